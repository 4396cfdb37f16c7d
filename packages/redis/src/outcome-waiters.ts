/**
 * Waiting for the outcome of a call that runs in another process. A client that resumed its session here
 * re-sends a call that another node is still running; the claim answers `running`, and this node waits for
 * the outcome that node stores. The storing script says the call id on the session's channel; this node
 * subscribes to that channel (one subscription per session, however many calls wait) and then reads the
 * call's entry, so an outcome stored before the subscription was active is not missed. A wait ends with
 * the frame, or with undefined when no outcome will come (the entry is gone, the session ended, or the
 * wait timed out).
 */

/** What a wait needs of the store. */
export interface WaitHost {
  subscribe(channel: string, fn: (message: string) => void): Promise<void>;
  unsubscribe(channel: string, fn: (message: string) => void): Promise<void>;
  /** The call's entry: its frame, `''` while it runs, null when the table has none. */
  peek(id: string, callId: number): Promise<string | null>;
  /** Called when the pub/sub connection came back (messages may have been missed meanwhile). */
  onResubscribed(fn: () => void): void;
  report(message: string, err: unknown): void;
  readonly timeoutMs: number;
}

type Settle = (frame: string | undefined) => void;

interface SessionWait {
  readonly channel: string;
  readonly listener: (message: string) => void;
  /** Resolved once the subscription is active. */
  readonly active: Promise<void>;
  readonly calls: Map<number, Settle[]>;
}

export class OutcomeWaiters {
  private readonly sessions = new Map<string, SessionWait>();

  constructor(private readonly host: WaitHost) {
    host.onResubscribed(() => {
      for (const [id, wait] of this.sessions) for (const callId of wait.calls.keys()) this.check(id, callId);
    });
  }

  /** Sessions with a wait in progress (each holds one subscription). */
  get size(): number {
    return this.sessions.size;
  }

  wait(id: string, channel: string, callId: number): Promise<string | undefined> {
    let wait = this.sessions.get(id);
    if (!wait) {
      const listener = (message: string): void => this.heard(id, message);
      wait = { channel, listener, calls: new Map(), active: this.host.subscribe(channel, listener) };
      this.sessions.set(id, wait);
      const w = wait;
      w.active.catch((err: unknown) => {
        this.host.report('session store: subscribing to a session channel failed', err);
        this.endSession(id, w);
      });
    }
    return new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => this.settle(id, callId, undefined, done), this.host.timeoutMs);
      timer.unref?.();
      const done: Settle = (frame) => {
        clearTimeout(timer);
        resolve(frame);
      };
      const list = wait.calls.get(callId);
      if (list) list.push(done);
      else wait.calls.set(callId, [done]);
      wait.active.then(() => this.check(id, callId), () => undefined);
    });
  }

  private heard(id: string, message: string): void {
    const wait = this.sessions.get(id);
    if (!wait) return;
    if (message === 'end') return this.endSession(id, wait);
    const callId = Number(message);
    if (wait.calls.has(callId)) this.check(id, callId);
  }

  private check(id: string, callId: number): void {
    this.host.peek(id, callId).then(
      (entry) => {
        if (entry === '') return; // still running
        this.settle(id, callId, entry ?? undefined);
      },
      (err: unknown) => this.host.report('session store: reading a call awaited from another node failed', err),
    );
  }

  /** Settle the waits of one call (or only `one` of them), and drop the subscription when none is left. */
  private settle(id: string, callId: number, frame: string | undefined, one?: Settle): void {
    const wait = this.sessions.get(id);
    const list = wait?.calls.get(callId);
    if (!wait || !list) return;
    const settled = one ? list.filter((s) => s === one) : list;
    const rest = one ? list.filter((s) => s !== one) : [];
    if (rest.length > 0) wait.calls.set(callId, rest);
    else wait.calls.delete(callId);
    for (const s of settled) s(frame);
    if (wait.calls.size === 0) this.drop(id, wait);
  }

  private endSession(id: string, wait: SessionWait): void {
    const calls = [...wait.calls.values()];
    wait.calls.clear();
    for (const list of calls) for (const s of list) s(undefined);
    this.drop(id, wait);
  }

  private drop(id: string, wait: SessionWait): void {
    if (this.sessions.get(id) !== wait) return;
    this.sessions.delete(id);
    wait.active.then(
      () => this.host.unsubscribe(wait.channel, wait.listener),
      () => undefined,
    ).catch((err: unknown) => this.host.report('session store: unsubscribing from a session channel failed', err));
  }

  /** End every wait (the store closes). */
  close(): void {
    for (const [id, wait] of [...this.sessions]) this.endSession(id, wait);
  }
}
