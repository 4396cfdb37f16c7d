/**
 * Pending calls: ids, receipts, results, timeouts, cancellation, the offline outbox, and what to do with
 * calls in flight when a connection is lost (re-send them with the same id; the server dedupes).
 */
import { AckwireError, MessageType, type ProcedureDef, type ServerMessage } from '@ackwire/core';
import type { CallOptions, CallPromise } from './types.js';

interface Pending {
  readonly id: number;
  readonly def: ProcedureDef;
  readonly input: unknown;
  /** Absolute deadline (ms since epoch), if any. */
  readonly deadline: number | undefined;
  /** Written to some socket at least once. */
  sent: boolean;
  received: boolean;
  resolve(value: unknown): void;
  reject(error: AckwireError): void;
  onReceived(): void;
  cleanup(): void;
}

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

  call(def: ProcedureDef, input: unknown, options: CallOptions = {}): CallPromise<unknown> {
    let resolve!: (v: unknown) => void;
    let reject!: (e: AckwireError) => void;
    const result = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    }) as CallPromise<unknown>;
    let receivedResolve!: () => void;
    let receivedReject!: (e: unknown) => void;
    const received = new Promise<void>((res, rej) => {
      receivedResolve = res;
      receivedReject = rej;
    });
    received.catch(() => undefined); // awaiting it still sees the rejection; not awaiting it is fine
    const id = this.nextId();
    Object.defineProperties(result, { id: { value: id }, received: { value: received } });

    if (this.closedWith) {
      reject(this.closedWith);
      receivedReject(this.closedWith);
      return result;
    }
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = (): void => this.cancel(id, new AckwireError('CANCELLED', 'Cancelled by the caller'));
    const p: Pending = {
      id,
      def,
      input,
      deadline: timeoutMs === undefined ? undefined : Date.now() + timeoutMs,
      sent: false,
      received: false,
      resolve: (v) => {
        p.cleanup();
        p.onReceived();
        resolve(v);
      },
      reject: (e) => {
        p.cleanup();
        receivedReject(e);
        reject(e);
      },
      onReceived: () => {
        if (p.received) return;
        p.received = true;
        receivedResolve();
        options.onReceived?.();
      },
      cleanup: () => {
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      },
    };
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
      timer = setTimeout(() => this.settle(id, (q) => q.reject(new AckwireError('TIMEOUT', `No result within ${timeoutMs} ms`))), timeoutMs);
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    return result;
  }

  private settle(id: number, how: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (!p.sent) this.queued--;
    how(p);
  }

  private cancel(id: number, error: AckwireError): void {
    const p = this.pending.get(id);
    if (!p) return;
    if (p.sent) this.transport.send({ type: MessageType.CANCEL, id });
    this.settle(id, (q) => q.reject(error));
  }

  /** A result, error or receipt frame for a call. Returns false if the id is not a pending call. */
  frame(msg: ServerMessage): boolean {
    switch (msg.type) {
      case MessageType.RECEIVED:
        for (const id of msg.ids) this.pending.get(id)?.onReceived();
        return true;
      case MessageType.RESULT: {
        const p = this.pending.get(msg.id);
        if (!p) return this.pendingOrDone(msg.id);
        let output = msg.output;
        if (this.validate) {
          const checked = p.def.output.safeParse(output);
          if (!checked.success) {
            this.settle(msg.id, (q) =>
              q.reject(new AckwireError('PROTOCOL_ERROR', `The result of "${p.def.path}" does not match the contract`, { data: { issues: checked.error.issues } })),
            );
            this.transport.resultArrived();
            return true;
          }
          output = checked.data;
        }
        this.settle(msg.id, (q) => q.resolve(output));
        this.transport.resultArrived();
        return true;
      }
      case MessageType.ERROR: {
        if (!this.pending.has(msg.id)) return this.pendingOrDone(msg.id);
        this.settle(msg.id, (q) => q.reject(new AckwireError(msg.code, msg.message, { data: msg.data ?? undefined })));
        this.transport.resultArrived();
        return true;
      }
      default:
        return false;
    }
  }

  /** Outcomes for ids we no longer track (timed out or cancelled here) are dropped; they are still acked. */
  private pendingOrDone(_id: number): boolean {
    this.transport.resultArrived();
    return true;
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
