/**
 * Waiting for the outcome of a call that runs in another process. A client that resumed its session here
 * re-sends a call that another node is still running; the claim answers `running`, and this node waits for
 * the outcome that node stores. The storing script says the call id on the session's channel; this node
 * subscribes to that channel (one subscription per session, however many calls wait) and then reads the
 * call's entry, so an outcome stored before the subscription was active is not missed. The entry of a
 * running call names the node that claimed it; while the wait lasts, that node's liveness key is checked
 * every `checkMs`. A wait ends with the frame (`finished`), with `lost` when the node running the call is
 * gone (it will not finish; it may or may not have had its effects), or with `none` (the entry is gone, the
 * session ended, or the wait timed out).
 */
import type { ElsewhereOutcome } from '@ackwire/server';

/** What a wait needs of the store. */
export interface WaitHost {
  subscribe(channel: string, fn: (message: string) => void): Promise<void>;
  unsubscribe(channel: string, fn: (message: string) => void): Promise<void>;
  /** The call's entry: its frame, `~<node id>` while it runs, null when the table has none. */
  peek(id: string, callId: number): Promise<string | null>;
  /** Whether the node's liveness key is there. */
  alive(nodeId: string): Promise<boolean>;
  /** How often a running call's node is checked, in ms. */
  readonly checkMs: number;
  /** Called when the pub/sub connection came back (messages may have been missed meanwhile). */
  onResubscribed(fn: () => void): void;
  report(message: string, err: unknown): void;
  readonly timeoutMs: number;
}

type Settle = (outcome: ElsewhereOutcome) => void;

const NONE: ElsewhereOutcome = Object.freeze({ state: 'none' });
const LOST: ElsewhereOutcome = Object.freeze({ state: 'lost' });

interface SessionWait {
  readonly channel: string;
  readonly listener: (message: string) => void;
  /** Resolved once the subscription is active. */
  readonly active: Promise<void>;
  readonly calls: Map<number, Settle[]>;
  readonly checks: ReturnType<typeof setInterval>;
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

  wait(id: string, channel: string, callId: number): Promise<ElsewhereOutcome> {
    let wait = this.sessions.get(id);
    if (!wait) {
      const listener = (message: string): void => this.heard(id, message);
      const checks = setInterval(() => {
        for (const callId of this.sessions.get(id)?.calls.keys() ?? []) this.check(id, callId);
      }, this.host.checkMs);
      checks.unref?.();
      wait = { channel, listener, calls: new Map(), active: this.host.subscribe(channel, listener), checks };
      this.sessions.set(id, wait);
      const w = wait;
      w.active.catch((err: unknown) => {
        this.host.report('session store: subscribing to a session channel failed', err);
        this.endSession(id, w);
      });
    }
    return new Promise<ElsewhereOutcome>((resolve) => {
      const timer = setTimeout(() => this.settle(id, callId, NONE, done), this.host.timeoutMs);
      timer.unref?.();
      const done: Settle = (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
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
        if (entry === null || entry === undefined) return this.settle(id, callId, NONE);
        if (!entry.startsWith('~')) return this.settle(id, callId, { state: 'finished', frame: entry });
        return this.host.alive(entry.slice(1)).then(async (alive) => {
          if (alive) return;
          // Gone: unless it stored the outcome just before its key expired.
          const again = await this.host.peek(id, callId);
          if (again === entry) this.settle(id, callId, LOST);
          else if (again === null || again === undefined) this.settle(id, callId, NONE);
          else if (!again.startsWith('~')) this.settle(id, callId, { state: 'finished', frame: again });
        });
      },
      (err: unknown) => this.host.report('session store: reading a call awaited from another node failed', err),
    ).catch((err: unknown) => this.host.report('session store: checking the node of a call awaited from another node failed', err));
  }

  /** Settle the waits of one call (or only `one` of them), and drop the subscription when none is left. */
  private settle(id: string, callId: number, outcome: ElsewhereOutcome, one?: Settle): void {
    const wait = this.sessions.get(id);
    const list = wait?.calls.get(callId);
    if (!wait || !list) return;
    const settled = one ? list.filter((s) => s === one) : list;
    const rest = one ? list.filter((s) => s !== one) : [];
    if (rest.length > 0) wait.calls.set(callId, rest);
    else wait.calls.delete(callId);
    for (const s of settled) s(outcome);
    if (wait.calls.size === 0) this.drop(id, wait);
  }

  private endSession(id: string, wait: SessionWait): void {
    const calls = [...wait.calls.values()];
    wait.calls.clear();
    for (const list of calls) for (const s of list) s(NONE);
    this.drop(id, wait);
  }

  private drop(id: string, wait: SessionWait): void {
    if (this.sessions.get(id) !== wait) return;
    this.sessions.delete(id);
    clearInterval(wait.checks);
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
