/**
 * The calls of one connection whose claims an asynchronous session store has not answered yet, in the order
 * they were read. Each claim is asked for when its call is read (so the store can answer many in one round
 * trip), and each call is acted on once its own claim and the claims of every call read before it are
 * answered: calls take effect in the order they were read, whatever order the answers come in. No promise is
 * made per call; `drained()` makes one for what waits behind them (other frames, a drain).
 */
import type { CallMessage } from '@ackwire/core';
import { actOnClaim, claimRefused, type CallHost } from './calls.js';
import type { LiveSession } from './session.js';
import type { Claim, MaybePromise } from './session-store.js';
import { IdleSignal } from './idle-signal.js';
import { isPromise } from './is-promise.js';

interface Waiting {
  readonly session: LiveSession;
  readonly msg: CallMessage;
  answered: boolean;
  /** Undefined once answered: the claim failed, `error` says why. */
  claim: Claim | undefined;
  error: unknown;
}


export class ClaimQueue {
  private calls: (Waiting | undefined)[] = [];
  private head = 0;
  /** The ids of the calls waiting: a call re-sent while its first claim waits is handled after the queue. */
  private readonly ids = new Set<number>();
  private readonly idle = new IdleSignal();

  constructor(
    private readonly host: CallHost,
    /** Acting on a claim threw: the connection fails. */
    private readonly failed: (err: unknown) => void,
  ) {}

  /** Calls waiting. */
  get size(): number {
    return this.calls.length - this.head;
  }

  holds(callId: number): boolean {
    return this.ids.has(callId);
  }

  /** A call read now, with the store's answer to its claim (a claim answered at once still waits its turn). */
  push(session: LiveSession, msg: CallMessage, claim: MaybePromise<Claim>): void {
    const waiting: Waiting = { session, msg, answered: false, claim: undefined, error: undefined };
    this.calls.push(waiting);
    this.ids.add(msg.id);
    if (!isPromise(claim)) {
      waiting.answered = true;
      waiting.claim = claim;
      return;
    }
    claim.then(
      (c) => {
        waiting.answered = true;
        waiting.claim = c;
        this.flush();
      },
      (err: unknown) => {
        waiting.answered = true;
        waiting.error = err;
        this.flush();
      },
    );
  }

  /** Settles once no call waits. */
  drained(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return this.idle.wait();
  }

  /** Act on the answered calls at the head, in order. */
  private flush(): void {
    const calls = this.calls;
    while (this.head < calls.length && calls[this.head]!.answered) {
      const w = calls[this.head]!;
      calls[this.head++] = undefined;
      this.ids.delete(w.msg.id);
      try {
        if (w.claim) actOnClaim(this.host, w.session, w.msg, w.claim);
        else claimRefused(this.host, w.msg, w.error);
      } catch (err) {
        this.failed(err);
      }
    }
    if (this.head < calls.length) return;
    this.calls = [];
    this.head = 0;
    this.idle.settle();
  }
}
