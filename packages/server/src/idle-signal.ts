/**
 * "Nothing is pending any more", as a promise made only when someone waits for it: the owner settles it
 * when its pending work is done (claim-queue.ts's calls, session.ts's store operations). One promise for
 * every waiter until then; a wait after that is a new one.
 */
export class IdleSignal {
  private promise: Promise<void> | undefined;
  private resolve: (() => void) | undefined;

  /** The promise to wait on; the owner answers `Promise.resolve()` itself when nothing is pending. */
  wait(): Promise<void> {
    return (this.promise ??= new Promise<void>((resolve) => (this.resolve = resolve)));
  }

  /** The pending work is done: whoever waits goes on. */
  settle(): void {
    const resolve = this.resolve;
    this.promise = this.resolve = undefined;
    resolve?.();
  }
}
