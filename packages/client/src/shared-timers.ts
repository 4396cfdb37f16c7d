/**
 * Timers shared by every client in the process: one interval per heartbeat period for all connections,
 * and two for all pending acks (when they come due, and when a client has been quiet). A process that
 * holds many clients (a service fanning out to several servers, a test suite, a load generator) then keeps
 * a few timers instead of two per client, and a new client schedules nothing of its own.
 */

/** Calls `fn(member)` for every member every `periodMs`; the timer runs only while there are members and
 * does not keep the process alive. */
export class SharedInterval<T> {
  readonly #members = new Set<T>();
  #timer: ReturnType<typeof setInterval> | undefined;

  readonly #periodMs: number;
  readonly #fn: (member: T) => void;
  constructor(periodMs: number, fn: (member: T) => void) {
    this.#periodMs = periodMs;
    this.#fn = fn;
  }

  add(member: T): void {
    this.#members.add(member);
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      // A member removed during the loop (a dropped connection) is skipped; one added is visited or not.
      for (const m of this.#members) runIsolated(this.#fn, m);
    }, this.#periodMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  delete(member: T): void {
    if (!this.#members.delete(member) || this.#members.size > 0 || !this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * Calls `fn(member)` once for every member added, at most `delayMs` after the first of them was added. With
 * `unref`, the timer does not keep the process alive.
 */
export class SharedDelay<T> {
  #members: T[] = [];

  readonly #delayMs: number;
  readonly #options: { unref?: boolean };
  readonly #fn: (member: T) => void;
  constructor(delayMs: number, fn: (member: T) => void, options: { unref?: boolean } = {}) {
    this.#delayMs = delayMs;
    this.#fn = fn;
    this.#options = options;
  }

  add(member: T): void {
    if (this.#members.push(member) !== 1) return;
    const timer = setTimeout(() => this.#run(), this.#delayMs);
    if (this.#options.unref) (timer as { unref?: () => void }).unref?.();
  }

  #run(): void {
    const due = this.#members;
    this.#members = [];
    for (const m of due) runIsolated(this.#fn, m);
  }
}

/** One member's failure (an application listener throwing, say) must not skip the others; it still
 * surfaces as an uncaught exception, as it would from a timer of its own. */
function runIsolated<T>(fn: (member: T) => void, member: T): void {
  try {
    fn(member);
  } catch (err) {
    queueMicrotask(() => {
      throw err;
    });
  }
}
