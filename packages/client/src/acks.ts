/**
 * When the client acknowledges results (docs/protocol.md §10.6). An `ACK` carries the call watermark, which
 * lets the server forget stored outcomes; nothing waits for it, so it is batched: at once after ACK_EVERY
 * results, otherwise it comes due at most ACK_DELAY_MS after the first unacknowledged result and then
 * rides with the next frame the client writes (no write of its own), or goes on its own once the client
 * has been quiet for at most ACK_QUIET_MS more.
 */
import { MessageType, type AckMessage } from '@ackwire/core';
import { SharedDelay } from './shared-timers.js';

const ACK_EVERY = 64;
const ACK_DELAY_MS = 100;
const ACK_QUIET_MS = 5_000;

/** What the scheduler needs of its client. */
export interface AckSink {
  /** The watermark to send: every call id below it has its outcome here (or is no longer awaited). */
  watermark(): number;
  /** Write the ack; false when there is no open connection (it is sent on the next one). */
  sendAck(ack: AckMessage): boolean;
}

/** Every client's pending acks come due together, from one timer; and the quiet ones go from another. */
const dueAcks = new SharedDelay<AckScheduler>(ACK_DELAY_MS, (acks) => acks.due());
// Does not keep a process alive: a process that exits leaves the outcomes to the session's expiry.
const quietAcks = new SharedDelay<AckScheduler>(ACK_QUIET_MS, (acks) => acks.quiet(), { unref: true });

export class AckScheduler {
  private unacked = 0;
  /** Waiting in `dueAcks`. */
  private queued = false;
  /** Due: goes with the next frame written, or from `quietAcks`. */
  private riding = false;
  /** Waiting in `quietAcks`. */
  private quietQueued = false;

  constructor(private readonly sink: AckSink) {}

  /** A result or error of a call arrived. */
  resultArrived(): void {
    if (++this.unacked >= ACK_EVERY) return this.flush();
    if (this.queued) return;
    this.queued = true;
    dueAcks.add(this);
  }

  /** A frame is about to be written: a due ack goes in the same write, before it. `callId`: the frame is
   * that call, which is not in the call table yet, so the watermark must not pass it. */
  beforeSend(callId: number | undefined): void {
    if (this.riding) this.flush(callId);
  }

  /** The shared timer fired: the ack rides with the next frame, or goes when the client is quiet. */
  due(): void {
    this.queued = false;
    if (this.unacked === 0) return;
    this.riding = true;
    if (this.quietQueued) return;
    this.quietQueued = true;
    quietAcks.add(this);
  }

  /** The client wrote nothing the ack could ride with. */
  quiet(): void {
    this.quietQueued = false;
    if (this.riding) this.flush();
  }

  /** Send the ack now, if there is anything to acknowledge. */
  flush(sending?: number): void {
    if (this.unacked === 0) return;
    const watermark = this.sink.watermark();
    const ack: AckMessage = { type: MessageType.ACK, callWatermark: sending !== undefined && sending < watermark ? sending : watermark };
    if (!this.sink.sendAck(ack)) return;
    this.unacked = 0;
    this.riding = false;
  }
}
