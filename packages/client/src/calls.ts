/**
 * Pending calls: ids, receipts, results, timeouts, cancellation, the offline outbox, and what to do with
 * calls in flight when a connection is lost (re-send them with the same id; the server dedupes).
 */
import { AckwireError, MessageType, type ProcedureDef, type ServerMessage } from '@ackwire/core';
import type { CallOptions, CallPromise } from './types.js';

/** One call waiting for its outcome. A class, not closures: there may be thousands in flight. */
class Pending {
  /** Written to some socket at least once. */
  sent = false;
  received = false;
  timer: ReturnType<typeof setTimeout> | undefined;
  onAbort: (() => void) | undefined;
  private readonly receivedPromise: { resolve(): void; reject(e: unknown): void };

  constructor(
    readonly id: number,
    readonly def: ProcedureDef,
    readonly input: unknown,
    /** Absolute deadline (ms since epoch), if any. */
    readonly deadline: number | undefined,
    private readonly options: CallOptions,
    private readonly settleResult: { resolve(v: unknown): void; reject(e: unknown): void },
    receivedPromise: { resolve(): void; reject(e: unknown): void },
  ) {
    this.receivedPromise = receivedPromise;
  }

  resolve(value: unknown): void {
    this.cleanup();
    this.onReceived();
    this.settleResult.resolve(value);
  }

  reject(error: AckwireError): void {
    this.cleanup();
    this.receivedPromise.reject(error);
    this.settleResult.reject(error);
  }

  onReceived(): void {
    if (this.received) return;
    this.received = true;
    this.receivedPromise.resolve();
    this.options.onReceived?.();
  }

  private cleanup(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.onAbort) this.options.signal?.removeEventListener('abort', this.onAbort);
  }
}

/** A promise and its settle functions. */
function deferred<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void } {
  const d = {} as { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void };
  d.promise = new Promise<T>((resolve, reject) => {
    d.resolve = resolve;
    d.reject = reject;
  });
  return d;
}

const ignore = (): void => undefined;
const NO_OPTIONS: CallOptions = {};

export interface CallTransport {
  /** Write a frame if the connection is open; false if not. */
  send(msg: Parameters<import('./connection.js').Connection['send']>[0]): boolean;
  /** Make sure a connection is being established. */
  wake(): void;
  /** Ask for an ack frame soon (a result came in). */
  resultArrived(): void;
}

export class CallManager {
  private readonly pending = new Map<number, Pending>();
  private queued = 0;
  private closedWith: AckwireError | undefined;

  constructor(
    private readonly transport: CallTransport,
    private readonly nextId: () => number,
    private readonly maxOutbox: number,
    private readonly defaultTimeoutMs: number | undefined,
    private readonly validate: boolean,
  ) {}

  /** Every call id below this has its outcome here. */
  watermark(next: number): number {
    for (const id of this.pending.keys()) return id; // Map keeps insertion (= id) order
    return next;
  }

  call(def: ProcedureDef, input: unknown, options: CallOptions = NO_OPTIONS): CallPromise<unknown> {
    const outcome = deferred<unknown>();
    const receipt = deferred<void>();
    receipt.promise.catch(ignore); // awaiting it still sees the rejection; not awaiting it is fine
    const id = this.nextId();
    const result = outcome.promise as CallPromise<unknown> & { id: number; received: Promise<void> };
    result.id = id;
    result.received = receipt.promise;

    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    const p = new Pending(id, def, input, deadline, options, outcome, receipt);
    if (this.closedWith) {
      p.reject(this.closedWith);
      return result;
    }
    if (options.signal?.aborted) {
      p.reject(new AckwireError('CANCELLED', 'Cancelled by the caller'));
      return result;
    }
    let sent: boolean;
    try {
      sent = this.transport.send({ type: MessageType.CALL, id, path: def.path, input, timeoutMs: timeoutMs ?? null });
    } catch (err) {
      p.reject(err as AckwireError);
      return result;
    }
    if (!sent) {
      if (this.queued >= this.maxOutbox) {
        p.reject(new AckwireError('OUTBOX_FULL', `The outbox holds ${this.maxOutbox} calls already`));
        return result;
      }
      this.queued++;
      this.transport.wake();
    } else p.sent = true;
    this.pending.set(id, p);
    if (timeoutMs !== undefined) {
      p.timer = setTimeout(() => this.settle(id, (q) => q.reject(new AckwireError('TIMEOUT', `No result within ${timeoutMs} ms`))), timeoutMs);
    }
    if (options.signal) {
      p.onAbort = () => this.cancel(id, new AckwireError('CANCELLED', 'Cancelled by the caller'));
      options.signal.addEventListener('abort', p.onAbort, { once: true });
    }
    return result;
  }

  /** Remove a call from the table, to settle it. */
  private take(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    if (!p.sent) this.queued--;
    return p;
  }

  private settle(id: number, how: (p: Pending) => void): void {
    const p = this.take(id);
    if (p) how(p);
  }

  private cancel(id: number, error: AckwireError): void {
    const p = this.take(id);
    if (!p) return;
    if (p.sent) this.transport.send({ type: MessageType.CANCEL, id });
    p.reject(error);
  }

  /** A result, error or receipt frame for a call. Returns false for a frame of another kind. */
  frame(msg: ServerMessage): boolean {
    switch (msg.type) {
      case MessageType.RECEIVED:
        for (const id of msg.ids) this.pending.get(id)?.onReceived();
        return true;
      case MessageType.RESULT: {
        // Outcomes for ids no longer tracked (timed out or cancelled here) are dropped, but still acked.
        this.transport.resultArrived();
        const p = this.take(msg.id);
        if (!p) return true;
        if (!this.validate) {
          p.resolve(msg.output);
          return true;
        }
        const checked = p.def.output.safeParse(msg.output);
        if (checked.success) p.resolve(checked.data);
        else p.reject(new AckwireError('PROTOCOL_ERROR', `The result of "${p.def.path}" does not match the contract`, { data: { issues: checked.error.issues } }));
        return true;
      }
      case MessageType.ERROR: {
        this.transport.resultArrived();
        this.take(msg.id)?.reject(new AckwireError(msg.code, msg.message, { data: msg.data ?? undefined }));
        return true;
      }
      default:
        return false;
    }
  }

  /**
   * A connection opened. In a resumed session every pending call is (re-)sent with its id: the server runs
   * each at most once and answers retries with the stored outcome. In a new session, calls never sent go
   * out; calls that were sent may or may not have run, so only idempotent ones are re-sent.
   */
  opened(resumed: boolean): void {
    const now = Date.now();
    for (const p of [...this.pending.values()]) {
      if (p.sent && !resumed && !p.def.idempotent) {
        this.settle(p.id, (q) =>
          q.reject(new AckwireError('RESULT_UNKNOWN', `The session was lost while "${p.def.path}" was in flight; it may or may not have run`)),
        );
        continue;
      }
      const timeoutMs = p.deadline === undefined ? null : Math.max(1, p.deadline - now);
      try {
        if (!this.transport.send({ type: MessageType.CALL, id: p.id, path: p.def.path, input: p.input, timeoutMs })) return;
      } catch (err) {
        this.settle(p.id, (q) => q.reject(err as AckwireError));
        continue;
      }
      if (!p.sent) {
        p.sent = true;
        this.queued--;
      }
    }
  }

  /** The client stopped for good. */
  closed(error: AckwireError): void {
    this.closedWith = error;
    for (const id of [...this.pending.keys()]) this.settle(id, (p) => p.reject(error));
  }

  get size(): number {
    return this.pending.size;
  }
}
