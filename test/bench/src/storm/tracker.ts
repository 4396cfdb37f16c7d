/**
 * One client's view in workload G: per subscription, the events delivered (in order, once each, or not),
 * the time each sequence number became covered by a gap-free prefix; the time the connection came back and
 * the time its calls in flight had all settled.
 */
import { timedEvent } from '../payload.js';

export class TopicTrack {
  /** First sequence number delivered; every later one is expected. */
  first = 0;
  /** Next sequence number of the gap-free prefix. */
  next = 0;
  /** Delivered beyond the prefix (out of order or after a hole). */
  private readonly ahead = new Set<number>();
  /** reachedAt[s - first]: wall time at which the prefix came to cover `s`. */
  readonly reachedAt: number[] = [];
  duplicates = 0;
  malformed = 0;

  add(event: unknown, now: number): void {
    const e = timedEvent(event);
    if (!e) {
      this.malformed++;
      return;
    }
    const s = e.seq;
    if (this.first === 0) this.first = this.next = s;
    if (s < this.next || this.ahead.has(s)) {
      this.duplicates++;
      return;
    }
    if (s > this.next) {
      this.ahead.add(s);
      return;
    }
    this.advance(now);
    while (this.ahead.delete(this.next)) this.advance(now);
  }

  private advance(now: number): void {
    this.reachedAt.push(now);
    this.next++;
  }

  /** When the gap-free prefix reached `seq` (NaN if it has not; -Infinity if it started past it). */
  reached(seq: number): number {
    if (this.first === 0) return NaN;
    if (seq < this.first) return -Infinity;
    return this.reachedAt[seq - this.first] ?? NaN;
  }

  /** Events from the first delivered to `last` that never arrived. */
  lostUpTo(last: number): number {
    if (this.first === 0) return last;
    return Math.max(0, last - this.first + 1 - (this.next - this.first) - this.ahead.size);
  }
}

export class ClientTrack {
  readonly topics = [new TopicTrack(), new TopicTrack()];
  /** Wall time the connection came back after the cut (NaN: not yet). */
  backAt = NaN;
  /** The session (ackwire) or the connection state (socket.io) was not carried over. */
  notResumed = false;
  gaps = 0;
  calls = 0;
  settled = 0;
  failed = 0;
  mismatched = 0;
  /** Wall time the latest of its calls settled. */
  callsDoneAt = NaN;
}
