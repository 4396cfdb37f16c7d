/**
 * A session store whose answers come late and in random order: each operation takes effect on the
 * wrapped store at once (the rules' "in call order"), and its answer is delivered after a random delay.
 * Running the server or the shared suite (session-store-conformance.ts) on it shows that nothing depends on a store answering
 * synchronously, the way a network store never does.
 */
import type { Claim, MaybePromise, SessionStore, StoredSession } from '@ackwire/server';

export interface DelayOptions {
  /** Longest delay of an answer in ms (setTimeout). 0: answers wait a random 0 to 3 turns of the event
   * loop instead (setImmediate), which fake timers leave alone. Default 0. */
  maxDelayMs?: number;
  /** Source of randomness. Default Math.random. */
  random?: () => number;
}

export class DelayedSessionStore implements SessionStore {
  private readonly maxDelayMs: number;
  private readonly random: () => number;

  constructor(
    readonly inner: SessionStore,
    options: DelayOptions = {},
  ) {
    this.maxDelayMs = options.maxDelayMs ?? 0;
    this.random = options.random ?? Math.random;
  }

  private later<T>(value: MaybePromise<T>): Promise<T> {
    return Promise.resolve(value).then(
      (v) =>
        new Promise<T>((resolve) => {
          if (this.maxDelayMs > 0) {
            setTimeout(resolve, Math.floor(this.random() * this.maxDelayMs), v);
            return;
          }
          let turns = Math.floor(this.random() * 4);
          const step = (): void => {
            if (turns-- <= 0) resolve(v);
            else setImmediate(step);
          };
          step();
        }),
    );
  }

  create(): Promise<StoredSession> {
    return this.later(this.inner.create()).then(copy);
  }
  resume(id: string, token: string): Promise<StoredSession | undefined> {
    return this.later(this.inner.resume(id, token)).then((s) => (s ? copy(s) : undefined));
  }
  claim(id: string, generation: number, callId: number): Promise<Claim> {
    return this.later(this.inner.claim(id, generation, callId));
  }
  release(id: string, callId: number): Promise<void> {
    return this.later(this.inner.release(id, callId));
  }
  complete(id: string, callId: number, frame: string): Promise<void> {
    return this.later(this.inner.complete(id, callId, frame));
  }
  seen(id: string, requestId: number): Promise<void> {
    return this.later(this.inner.seen(id, requestId));
  }
  confirm(id: string, watermark: number, ranges?: ReadonlyArray<readonly [number, number]>): Promise<void> {
    return this.later(this.inner.confirm(id, watermark, ranges));
  }
  detach(id: string, generation: number): Promise<void> {
    return this.later(this.inner.detach(id, generation));
  }
  end(id: string, generation?: number): Promise<void> {
    return this.later(this.inner.end(id, generation));
  }
  close(): Promise<void> {
    return this.later(this.inner.close?.());
  }
}

/** A network store answers with a snapshot, never its live record. */
function copy(s: StoredSession): StoredSession {
  return { id: s.id, token: s.token, generation: s.generation, lastId: s.lastId };
}
