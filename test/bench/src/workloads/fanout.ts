/**
 * Workloads B and E, the load side: open subscribers (each its own connection, spread over the servers'
 * URLs) and count, per subscriber, every event received: unique, duplicate, malformed, out of order, and the
 * time of the last one. With timed events (E) also the time from publish to delivery of each.
 */
import { eventSeq, timedEvent } from '../payload.js';
import { Samples, cpuSince, sleep, wallNow } from '../stats.js';
import type { BenchClient, Subscriber } from '../systems/types.js';

export interface FanoutParams {
  subscribers: number;
  events: number;
  /** Subscriptions opened concurrently. */
  batch: number;
  /**
   * Events carry their publish time (`makeTimedEvent`); those after this sequence number (a paced phase
   * that follows a burst of the first ones) give the publish-to-delivery latency.
   */
  timedAfter?: number;
}

export interface FanoutCount {
  subscribers: number;
  received: number;
  unique: number;
  lost: number;
  duplicates: number;
  malformed: number;
  outOfOrder: number;
  /** Wall-clock time when the last new event reached any subscriber, and when the first one did. */
  lastAt: number;
  firstAt: number;
  /** Client CPU from the end of subscribing to the end of collecting, in microseconds. */
  cpuUs: number;
  /** With `timedAfter`: when the last new event up to it (the burst) reached any subscriber. */
  burstLastAt: number;
  /** Publish-to-delivery latency of the unique deliveries after `timedAfter` in ms (else null). */
  p50Ms: number | null;
  p99Ms: number | null;
}

interface Tally {
  seen: Uint8Array;
  unique: number;
  last: number;
}

export class Fanout {
  private readonly tallies: Tally[] = [];
  private readonly subs: Subscriber[] = [];
  private received = 0;
  private duplicates = 0;
  private malformed = 0;
  private outOfOrder = 0;
  private complete = 0;
  /** Arrival of the last new (not duplicate) event, and of the last frame of any kind. */
  private lastAt = 0;
  private firstAt = 0;
  private lastAny = 0;
  private cpu0: NodeJS.CpuUsage | undefined;
  private onComplete: (() => void) | undefined;
  private readonly latency = new Samples();
  private burstUnique = 0;
  private burstLastAt = 0;
  private onBurst: (() => void) | undefined;
  private readonly urls: readonly string[];

  constructor(
    private readonly client: BenchClient,
    url: string | readonly string[],
    private readonly params: FanoutParams,
  ) {
    this.urls = typeof url === 'string' ? [url] : url;
  }

  /** Open every subscriber; resolves when each has its subscription confirmed. */
  async subscribe(): Promise<{ subscribed: number; ms: number }> {
    const t0 = performance.now();
    const { subscribers, batch } = this.params;
    for (let i = 0; i < subscribers; i += batch) {
      const n = Math.min(batch, subscribers - i);
      const opened = await Promise.all(Array.from({ length: n }, () => this.open()));
      this.subs.push(...opened);
    }
    this.cpu0 = process.cpuUsage();
    return { subscribed: this.subs.length, ms: performance.now() - t0 };
  }

  private open(): Promise<Subscriber> {
    const events = this.params.events;
    const tally: Tally = { seen: new Uint8Array(events + 1), unique: 0, last: 0 };
    const url = this.urls[this.tallies.length % this.urls.length]!;
    this.tallies.push(tally);
    const after = this.params.timedAfter;
    const timed = after !== undefined;
    return this.client.subscribe(url, (event) => {
      this.received++;
      this.lastAny = wallNow();
      const t = timed ? timedEvent(event) : undefined;
      const seq = timed ? (t?.seq ?? 0) : eventSeq(event);
      if (seq === 0 || seq > events) {
        this.malformed++;
        return;
      }
      if (tally.seen[seq]) {
        this.duplicates++;
        return;
      }
      if (seq < tally.last) this.outOfOrder++;
      tally.last = seq;
      tally.seen[seq] = 1;
      this.lastAt = this.lastAny;
      if (this.firstAt === 0) this.firstAt = this.lastAny;
      if (t && seq > after!) this.latency.add(this.lastAny - t.at);
      else if (timed) {
        this.burstLastAt = this.lastAny;
        if (++this.burstUnique === this.tallies.length * after!) this.onBurst?.();
      }
      if (++tally.unique === events && ++this.complete === this.tallies.length) this.onComplete?.();
    });
  }

  /** With `timedAfter`: wait until every subscriber has the burst's events, or nothing arrived for `quietMs`. */
  async settle(quietMs: number): Promise<void> {
    const after = this.params.timedAfter ?? 0;
    if (this.burstUnique >= this.tallies.length * after) return;
    await new Promise<void>((resolve) => {
      this.onBurst = resolve;
      const start = wallNow();
      const check = (): void => {
        if (this.burstUnique >= this.tallies.length * after) return;
        if (wallNow() - Math.max(this.lastAny, start) > quietMs) return resolve();
        setTimeout(check, 50);
      };
      check();
    });
  }

  /** Wait until every subscriber has every event, or until nothing arrived for `quietMs`. */
  async collect(quietMs: number): Promise<FanoutCount> {
    if (this.complete < this.tallies.length) {
      await new Promise<void>((resolve) => {
        this.onComplete = resolve;
        const check = (): void => {
          if (this.complete === this.tallies.length) return;
          if (wallNow() - Math.max(this.lastAny, start) > quietMs) return resolve();
          setTimeout(check, 50);
        };
        const start = wallNow();
        check();
      });
    }
    // Anything arriving late is a duplicate or a stray; give it a moment to show.
    await sleep(100);
    const unique = this.tallies.reduce((sum, t) => sum + t.unique, 0);
    const latency = this.latency.count > 0 ? this.latency.percentiles() : undefined;
    return {
      subscribers: this.tallies.length,
      received: this.received,
      unique,
      lost: this.tallies.length * this.params.events - unique,
      duplicates: this.duplicates,
      malformed: this.malformed,
      outOfOrder: this.outOfOrder,
      lastAt: this.lastAt,
      firstAt: this.firstAt,
      cpuUs: this.cpu0 ? cpuSince(this.cpu0) : NaN,
      burstLastAt: this.burstLastAt,
      p50Ms: latency ? latency.p50 : null,
      p99Ms: latency ? latency.p99 : null,
    };
  }
}
