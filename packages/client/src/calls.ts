/**
 * Pending calls: ids, receipts, results, timeouts, cancellation, the offline outbox, and what to do with
 * calls in flight when a connection is lost (re-send them with the same id; the server dedupes).
 */
import { AckwireError, MessageType, type ProcedureDef, type ServerMessage } from '@ackwire/core';
import { parseFromWire } from '@ackwire/core/internal';
import type { CallOptions, CallPromise } from './types.js';
import { resendsAfterReconnect } from './refusal.js';

/** One call waiting for its outcome. A class, not closures: there may be thousands in flight. */
class Pending {
  /** Written to some socket at least once. */
  sent = false;
  /** Written on the current connection, counted in the in-flight window. */
  onConnection = false;
  received = false;
  /** Recorded calls: not written until this storage write is durable (see CallRecorder). */
  held: Promise<void> | undefined;
  readonly createdAt = Date.now();
  timer: ReturnType<typeof setTimeout> | undefined;
  onAbort: (() => void) | undefined;
  readonly #receivedPromise: { resolve(): void; reject(e: unknown): void };

  readonly #options: CallOptions;
  readonly #settleResult: { resolve(v: unknown): void; reject(e: unknown): void };
  constructor(
    readonly id: number,
    readonly def: ProcedureDef,
    readonly input: unknown,
    /** Absolute deadline (ms since epoch), if any. */
    readonly deadline: number | undefined,
    options: CallOptions,
    settleResult: { resolve(v: unknown): void; reject(e: unknown): void },
    receivedPromise: { resolve(): void; reject(e: unknown): void },
  ) {
    this.#options = options;
    this.#settleResult = settleResult;
    this.#receivedPromise = receivedPromise;
  }

  resolve(value: unknown): void {
    this.#cleanup();
    this.onReceived();
    this.#settleResult.resolve(value);
  }

  reject(error: AckwireError): void {
    this.#cleanup();
    this.#receivedPromise.reject(error);
    this.#settleResult.reject(error);
  }

  onReceived(): void {
    if (this.received) return;
    this.received = true;
    this.#receivedPromise.resolve();
    this.#options.onReceived?.();
  }

  #cleanup(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.onAbort) this.#options.signal?.removeEventListener('abort', this.onAbort);
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
  /** Write a frame if the connection is open; false if not. Throws BAD_REQUEST/PAYLOAD_TOO_LARGE for a
   * message that cannot be sent at all. */
  send(msg: Parameters<import('./connection.js').Connection['send']>[0]): boolean;
  /** Whether the connection is open (welcome received). */
  readonly open: boolean;
  /** Make sure a connection is being established. */
  wake(): void;
  /** Ask for an ack frame soon (a result came in). */
  resultArrived(): void;
  /** A fresh frame id (calls and subscriptions share one sequence). */
  nextId(): number;
  /** Write what waits, calls and subscriptions in the order they were made (outbox.ts). */
  flush(): void;
}

/** What a call is recorded with (persistence/journaled-calls.ts). */
export type CallRecord = Pick<Pending, 'id' | 'def' | 'input' | 'createdAt' | 'deadline'>;

/**
 * Set when calls survive a reload (persistence/): a call goes to a socket only after the promise its
 * recorder gives is settled, which holds back what was made after it too (outbox.ts).
 */
export interface CallRecorder {
  /** The highest call watermark the client may send. */
  watermarkCap(next: number): number;
  /** A new call; `open`: it may be written at once. */
  added(call: CallRecord, open: boolean): Promise<void>;
  /** A queued call is about to be written: what to wait for first, if anything. */
  sending(call: CallRecord): Promise<void> | undefined;
  /** The call has its outcome, or is no longer awaited. */
  settled(id: number): void;
  /** The ids of the calls in storage (a reloaded page may still ask for their outcomes). */
  ids(): Iterable<number>;
}

/** The largest delay setTimeout honours; longer deadlines are clamped to it (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class CallManager {
  /** Every call without an outcome, in id (= call) order. */
  readonly #pending = new Map<number, Pending>();
  /** Calls not yet written on the current connection, in call order, from `head` on. */
  #queue: Pending[] = [];
  #head = 0;
  /** Calls written on the current connection and still without an outcome. */
  #inFlight = 0;
  /** The server's limit on calls in flight, from its welcome. */
  #window = Infinity;
  #closedWith: AckwireError | undefined;
  /** Cancels that could not be written: for a call written on the current connection (`current`, before
   * its welcome) or on an earlier one (sent after a resume only: a new session never saw the call). */
  #cancels: Array<{ id: number; current: boolean }> | undefined;

  readonly #transport: CallTransport;
  readonly #maxOutbox: number;
  readonly #defaultTimeoutMs: number | undefined;
  readonly #validate: boolean;
  readonly #recorder: CallRecorder | undefined;
  constructor(
    transport: CallTransport,
    maxOutbox: number,
    defaultTimeoutMs: number | undefined,
    validate: boolean,
    recorder?: CallRecorder,
  ) {
    this.#transport = transport;
    this.#maxOutbox = maxOutbox;
    this.#defaultTimeoutMs = defaultTimeoutMs;
    this.#validate = validate;
    this.#recorder = recorder;
  }

  /** Every call id below this has its outcome here. */
  watermark(next: number): number {
    if (this.#recorder) next = this.#recorder.watermarkCap(next);
    for (const id of this.#pending.keys()) return Math.min(id, next); // Map keeps insertion (= id) order
    return next;
  }

  /**
   * The ids of the calls still awaited, ascending; with a journal also those still in storage (a reloaded
   * page may ask for their outcomes). The ack's ranges are the gaps between them (acks.ts).
   */
  awaitedIds(): Iterable<number> {
    if (!this.#recorder) return this.#pending.keys(); // Map keeps insertion (= id) order
    const ids = new Set(this.#recorder.ids());
    for (const id of this.#pending.keys()) ids.add(id);
    return [...ids].sort((a, b) => a - b);
  }

  /** A call waiting for its outcome, and the promise the application gets. */
  #make(id: number, def: ProcedureDef, input: unknown, deadline: number | undefined, options: CallOptions): [Pending, CallPromise<unknown>] {
    const outcome = deferred<unknown>();
    const receipt = deferred<void>();
    receipt.promise.catch(ignore); // awaiting it still sees the rejection; not awaiting it is fine
    const result = outcome.promise as CallPromise<unknown> & { id: number; received: Promise<void> };
    result.id = id;
    result.received = receipt.promise;
    return [new Pending(id, def, input, deadline, options, outcome, receipt), result];
  }

  /** Fail the call with TIMEOUT in `ms`. */
  #arm(p: Pending, ms: number, message: string): void {
    p.timer = setTimeout(() => this.#fail(p.id, new AckwireError('TIMEOUT', message)), Math.min(Math.max(0, ms), MAX_TIMER_MS));
  }

  call(def: ProcedureDef, input: unknown, options: CallOptions = NO_OPTIONS): CallPromise<unknown> {
    const id = this.#transport.nextId();
    const timeoutMs = options.timeoutMs ?? this.#defaultTimeoutMs;
    const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    const [p, result] = this.#make(id, def, input, deadline, options);
    if (this.#closedWith) {
      p.reject(this.#closedWith);
      return result;
    }
    if (options.signal?.aborted) {
      p.reject(new AckwireError('CANCELLED', 'Cancelled by the caller'));
      return result;
    }
    const open = this.#transport.open;
    if (this.#recorder) this.#hold(p, this.#recorder.added(p, open));
    if (open && this.#queued === 0 && this.#inFlight < this.#window && !p.held) {
      try {
        this.#write(p);
      } catch (err) {
        p.reject(err as AckwireError);
        return result;
      }
    } else {
      // Offline, the outbox is bounded; online, calls past the server's in-flight limit simply wait their turn.
      if (!open && this.#queued >= this.#maxOutbox) {
        this.#recorder?.settled(id);
        p.reject(new AckwireError('OUTBOX_FULL', `The outbox holds ${this.#maxOutbox} calls already`));
        return result;
      }
      this.#queue.push(p);
      if (!open) this.#transport.wake();
    }
    this.#pending.set(id, p);
    if (timeoutMs !== undefined) this.#arm(p, timeoutMs, `No result within ${timeoutMs} ms`);
    if (options.signal) {
      p.onAbort = () => this.#cancel(id, new AckwireError('CANCELLED', 'Cancelled by the caller'));
      options.signal.addEventListener('abort', p.onAbort, { once: true });
    }
    return result;
  }

  /** Write a call on the current connection (throws if it cannot be encoded or is too large). */
  #write(p: Pending): boolean {
    const timeoutMs = p.deadline === undefined ? null : Math.min(Math.max(1, p.deadline - Date.now()), MAX_TIMER_MS);
    if (!this.#transport.send({ type: MessageType.CALL, id: p.id, path: p.def.path, input: p.input, timeoutMs })) return false;
    p.sent = true;
    p.onConnection = true;
    this.#inFlight++;
    return true;
  }

  /** Recorded calls: wait for `write` before the call goes out. */
  #hold(p: Pending, write: Promise<void>): void {
    const held = (p.held = write.then(() => {
      if (p.held !== held) return;
      p.held = undefined;
      this.#transport.flush();
    }));
  }

  get #queued(): number {
    return this.#queue.length - this.#head;
  }

  /** Take the first queued call off the queue. */
  #shift(): void {
    this.#queue[this.#head++] = undefined as unknown as Pending;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  /** The id of the next queued call to write, if any. */
  nextQueued(): number | undefined {
    while (this.#queued > 0 && !this.#pending.has(this.#queue[this.#head]!.id)) this.#shift(); // settled while queued
    return this.#queue[this.#head]?.id;
  }

  /**
   * Write the next queued call: 'sent'; 'window' (the server's in-flight limit is reached: later requests
   * other than calls may go); or 'blocked' (nothing to write, the connection cannot take it now, or the
   * call waits for its journal record to be durable: nothing made after it may go either).
   */
  writeNext(): 'sent' | 'window' | 'blocked' {
    for (;;) {
      if (this.nextQueued() === undefined || !this.#transport.open) return 'blocked';
      if (this.#inFlight >= this.#window) return 'window';
      const p = this.#queue[this.#head]!;
      // A recorded call goes only once its record is durable and says it may have been sent; in order.
      if (this.#recorder && !p.held) {
        const write = this.#recorder.sending(p);
        if (write) this.#hold(p, write);
      }
      if (p.held) return 'blocked';
      try {
        if (!this.#write(p)) return 'blocked';
      } catch (err) {
        this.#shift();
        this.#fail(p.id, err as AckwireError);
        continue;
      }
      this.#shift();
      return 'sent';
    }
  }

  /** Remove a call from the table, to settle it. */
  #take(id: number): Pending | undefined {
    const p = this.#pending.get(id);
    if (!p) return undefined;
    this.#pending.delete(id);
    this.#recorder?.settled(id);
    if (p.onConnection) {
      p.onConnection = false;
      this.#inFlight--;
      if (this.#queued > 0) queueMicrotask(() => this.#transport.flush());
    } else if (p.held) {
      // A call waiting for its journal record holds back what was made after it: now the rest may go.
      queueMicrotask(() => this.#transport.flush());
    }
    return p;
  }

  #fail(id: number, error: AckwireError): void {
    this.#take(id)?.reject(error);
  }

  /**
   * Stop waiting for a call. A call never written is withdrawn; for one written, the server must hear the
   * cancel (its handler stops, and it no longer counts the call in flight): if the connection cannot take
   * the cancel now, it goes right after the next welcome, before any other request.
   */
  #cancel(id: number, error: AckwireError): void {
    const p = this.#pending.get(id);
    if (!p) return;
    const current = p.onConnection;
    this.#take(id);
    if (p.sent && !this.#transport.send({ type: MessageType.CANCEL, id })) (this.#cancels ??= []).push({ id, current });
    p.reject(error);
  }

  /** Write the cancels that waited for a connection (see cancel). */
  #sendCancels(resumed: boolean): void {
    const cancels = this.#cancels;
    this.#cancels = undefined;
    if (cancels) for (const c of cancels) if (c.current || resumed) this.#transport.send({ type: MessageType.CANCEL, id: c.id });
  }

  /** A result, error or receipt frame for a call. Returns false for a frame of another kind. */
  frame(msg: ServerMessage): boolean {
    switch (msg.type) {
      case MessageType.RECEIVED:
        for (const id of msg.ids) this.#pending.get(id)?.onReceived();
        return true;
      case MessageType.RESULT: {
        // Outcomes for ids no longer tracked (timed out or cancelled here) are dropped, but still acked.
        // Taken first: an ack sent at once covers this outcome too.
        const p = this.#take(msg.id);
        this.#transport.resultArrived();
        if (!p) return true;
        if (!this.#validate) {
          p.resolve(msg.output);
          return true;
        }
        const checked = parseFromWire(p.def.output, msg.output);
        if (checked.success) p.resolve(checked.data);
        else p.reject(new AckwireError('PROTOCOL_ERROR', `The result of "${p.def.path}" does not match the contract`, { data: { issues: checked.error.issues } }));
        return true;
      }
      case MessageType.ERROR: {
        const p = this.#take(msg.id);
        this.#transport.resultArrived();
        if (!p) return true;
        p.onReceived(); // an error from the server is its receipt too
        p.reject(new AckwireError(msg.code, msg.message, { data: msg.data ?? undefined }));
        return true;
      }
      default:
        return false;
    }
  }

  /**
   * A connection opened. In a resumed session every call sent before is re-sent with its id: the server runs
   * each at most once and answers retries with the stored outcome. In a new session, calls that were sent may
   * or may not have run, so only idempotent ones are re-sent; the rest fail with RESULT_UNKNOWN. Cancels
   * that waited go out at once; the calls are queued, in call order, for the owner to write (`writeNext`)
   * interleaved with subscriptions, within the server's in-flight limit.
   */
  opened(resumed: boolean, maxInFlight: number): void {
    this.#window = maxInFlight > 0 ? maxInFlight : Infinity;
    this.#sendCancels(resumed);
    const again: Pending[] = [];
    for (const p of this.#pending.values()) {
      if (p.onConnection || !p.sent) continue; // written on this connection before the welcome, or never
      if (!resendsAfterReconnect(p.def, resumed)) {
        this.#fail(p.id, new AckwireError('RESULT_UNKNOWN', `The session was lost while "${p.def.path}" was in flight; it may or may not have run`));
      } else again.push(p);
    }
    // Re-sent calls go first (they are older than anything queued), then the queue.
    const waiting = this.#queue.slice(this.#head).filter((p) => !p.sent);
    this.#queue = again.length > 0 ? [...again, ...waiting] : waiting;
    this.#head = 0;
  }

  /** The connection is gone: nothing is in flight on it any more. */
  down(): void {
    this.#inFlight = 0;
    for (const p of this.#pending.values()) p.onConnection = false;
    if (this.#cancels) for (const c of this.#cancels) c.current = false;
  }

  /** The client stopped for good. */
  closed(error: AckwireError): void {
    this.#closedWith = error;
    this.#queue = [];
    this.#head = 0;
    this.#cancels = undefined;
    for (const id of [...this.#pending.keys()]) this.#fail(id, error);
  }

  get size(): number {
    return this.#pending.size;
  }

  /**
   * A call recovered from storage after a reload, pending again with its original id: re-sent once the
   * session is resumed (the server answers with its stored outcome), sent if it never was.
   */
  restore(def: ProcedureDef, id: number, input: unknown, deadline: number | undefined, sent: boolean): CallPromise<unknown> {
    const [p, result] = this.#make(id, def, input, deadline, NO_OPTIONS);
    p.sent = sent;
    this.#pending.set(id, p);
    if (!sent) this.#queue.push(p);
    if (deadline !== undefined) this.#arm(p, deadline - Date.now(), 'No result before the deadline');
    return result;
  }
}
