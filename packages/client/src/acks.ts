/**
 * When the client acknowledges results (docs/protocol.md §10.6). An `ACK` carries the call watermark, which
 * lets the server forget stored outcomes; nothing waits for it, so it is batched: at once after ACK_EVERY
 * results, otherwise it comes due at most ACK_DELAY_MS after the first unacknowledged result and then
 * rides with the next frame the client writes (no write of its own), or goes on its own once the client
 * has been quiet for at most ACK_QUIET_MS more.
 *
 * The watermark cannot pass a call still running, so an `ACK` also carries the gaps between the calls still
 * awaited as call-id ranges (§9.6): the server forgets those outcomes, and a slow call beside any number of
 * quick ones does not hold their outcomes in its session. No gaps (the usual case) means no ranges.
 */
import { MessageType, type AckMessage } from '@ackwire/core';
import { SharedDelay } from './shared-timers.js';

const ACK_EVERY = 64;
const ACK_DELAY_MS = 100;
const ACK_QUIET_MS = 5_000;
/** Call-id ranges in one ack, the lowest first; the rest go in a later one. Twice the reference server's
 * calls in flight, so the gaps between the calls written and the ones queued behind them fit. */
const ACK_MAX_RANGES = 512;

/** What the scheduler needs of its client. */
export interface AckSink {
  /** The watermark to send: every call id below it has its outcome here (or is no longer awaited). */
  watermark(): number;
  /** The ids of the calls still awaited, ascending. */
  awaited(): Iterable<number>;
  /** The highest call id allocated so far. */
  lastId(): number;
  /** Write the ack; false when there is no open connection (it is sent on the next one). */
  sendAck(ack: AckMessage): boolean;
}

/** Every client's pending acks come due together, from one timer; and the quiet ones go from another. */
const dueAcks = new SharedDelay<AckScheduler>(ACK_DELAY_MS, (acks) => acks.due());
// Does not keep a process alive: a process that exits leaves the outcomes to the session's expiry.
const quietAcks = new SharedDelay<AckScheduler>(ACK_QUIET_MS, (acks) => acks.quiet(), { unref: true });

export class AckScheduler {
  #unacked = 0;
  /** Waiting in `dueAcks`. */
  #queued = false;
  /** Due: goes with the next frame written, or from `quietAcks`. */
  #riding = false;
  /** Waiting in `quietAcks`. */
  #quietQueued = false;

  readonly #sink: AckSink;
  constructor(sink: AckSink) {
    this.#sink = sink;
  }

  /** A result or error of a call arrived. */
  resultArrived(): void {
    if (++this.#unacked >= ACK_EVERY) return this.flush();
    if (this.#queued) return;
    this.#queued = true;
    dueAcks.add(this);
  }

  /** A frame is about to be written: a due ack goes in the same write, before it. `callId`: the frame is
   * that call, which is not in the call table yet, so the watermark must not pass it. */
  beforeSend(callId: number | undefined): void {
    if (this.#riding) this.flush(callId);
  }

  /** The shared timer fired: the ack rides with the next frame, or goes when the client is quiet. */
  due(): void {
    this.#queued = false;
    if (this.#unacked === 0) return;
    this.#riding = true;
    if (this.#quietQueued) return;
    this.#quietQueued = true;
    quietAcks.add(this);
  }

  /** The client wrote nothing the ack could ride with. */
  quiet(): void {
    this.#quietQueued = false;
    if (this.#riding) this.flush();
  }

  /** Send the ack now, if there is anything to acknowledge. */
  flush(sending?: number): void {
    if (this.#unacked === 0) return;
    const watermark = this.#sink.watermark();
    // A call being written is not awaited yet: no range reaches its id.
    const calls = settledRanges(this.#sink.awaited(), sending ?? this.#sink.lastId() + 1, ACK_MAX_RANGES);
    const ack: AckMessage = { type: MessageType.ACK, callWatermark: sending !== undefined && sending < watermark ? sending : watermark };
    if (calls) ack.calls = calls;
    if (!this.#sink.sendAck(ack)) return;
    this.#unacked = 0;
    this.#riding = false;
  }
}

/**
 * The gaps between the awaited call ids (ascending), from the first of them up to `below` (exclusive), as
 * inclusive ranges, at most `max` of them, the lowest first: the ids in them are not awaited (their
 * outcomes are here, or they were never calls). Undefined when there are none.
 */
export function settledRanges(awaited: Iterable<number>, below: number, max: number): Array<[number, number]> | undefined {
  let out: Array<[number, number]> | undefined;
  let previous = 0;
  for (const id of awaited) {
    if (id >= below) break;
    if (previous !== 0 && id > previous + 1 && (out ??= []).push([previous + 1, id - 1]) >= max) return out;
    previous = id;
  }
  if (previous !== 0 && below > previous + 1) (out ??= []).push([previous + 1, below - 1]);
  return out;
}
