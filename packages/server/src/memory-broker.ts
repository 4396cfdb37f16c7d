/** The default broker: one process, history kept in memory, bounded by count and age per topic. */
import type { Broker, BrokerEvent, Listening, ReadResult, TopicHead } from './broker.js';
import { randomId } from './random-id.js';

export interface MemoryBrokerOptions {
  /** Most events kept per topic for replay. Default 10,000. */
  retainCount?: number;
  /** Longest time an event is kept for replay, in ms. Default 120,000 (2 minutes). */
  retainMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

interface Stored extends BrokerEvent {
  readonly time: number;
}

interface Topic {
  readonly epoch: string;
  offset: number;
  /** Ring buffer of retained events: `events[(start + i) % cap]` for i < size. */
  readonly ring: Array<Stored | undefined>;
  start: number;
  size: number;
  readonly listeners: Set<(event: BrokerEvent) => void>;
  /** Last publish, listen or stop; an empty topic with no listeners is forgotten `retainMs` after it. */
  touched: number;
}

export class MemoryBroker implements Broker {
  private readonly topics = new Map<string, Topic>();
  private readonly retainCount: number;
  private readonly retainMs: number;
  private readonly now: () => number;
  private readonly sweeper: ReturnType<typeof setInterval>;

  constructor(options: MemoryBrokerOptions = {}) {
    this.retainCount = Math.max(1, options.retainCount ?? 10_000);
    this.retainMs = options.retainMs ?? 120_000;
    this.now = options.now ?? Date.now;
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, this.retainMs / 2));
    this.sweeper.unref?.();
  }

  /** Trim every topic; forget the idle ones. */
  sweep(): void {
    for (const [name, t] of this.topics) this.trim(name, t);
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private topic(name: string): Topic {
    let t = this.topics.get(name);
    if (!t) {
      t = { epoch: randomId(9), offset: 0, ring: [], start: 0, size: 0, listeners: new Set(), touched: this.now() };
      this.topics.set(name, t);
    }
    return t;
  }

  /** Drop events past the age limit; forget idle topics whose history is empty. */
  private trim(name: string, t: Topic): void {
    const oldest = this.now() - this.retainMs;
    while (t.size > 0 && t.ring[t.start]!.time < oldest) {
      t.ring[t.start] = undefined;
      t.start = (t.start + 1) % this.retainCount;
      t.size--;
    }
    if (t.size === 0 && t.listeners.size === 0 && t.touched < oldest) this.topics.delete(name);
  }

  publish(name: string, data: unknown): TopicHead {
    const t = this.topic(name);
    const event: Stored = { epoch: t.epoch, offset: ++t.offset, data, time: (t.touched = this.now()) };
    if (t.size === this.retainCount) {
      t.ring[t.start] = event;
      t.start = (t.start + 1) % this.retainCount;
    } else {
      t.ring[(t.start + t.size) % this.retainCount] = event;
      t.size++;
    }
    for (const listener of t.listeners) listener(event);
    return { epoch: t.epoch, offset: t.offset };
  }

  listen(name: string, onEvent: (event: BrokerEvent) => void): Listening {
    const t = this.topic(name);
    t.listeners.add(onEvent);
    t.touched = this.now();
    return {
      head: { epoch: t.epoch, offset: t.offset },
      stop: () => {
        t.listeners.delete(onEvent);
        t.touched = this.now();
      },
    };
  }

  read(name: string, from: { epoch: string; offset: number }): ReadResult {
    // An unknown topic gets a fresh epoch, so any resume point is from another history.
    const live = this.topic(name);
    this.trim(name, live);
    const head = { epoch: live.epoch, offset: live.offset };
    if (from.epoch !== live.epoch || from.offset > live.offset) return { gap: 'epoch', head };
    if (from.offset === live.offset) return { events: [], head };
    const first = live.offset - live.size + 1;
    if (from.offset + 1 < first) return { gap: 'retention', head };
    const events: BrokerEvent[] = [];
    for (let i = from.offset + 1 - first; i < live.size; i++) events.push(live.ring[(live.start + i) % this.retainCount]!);
    return { events, head };
  }

  /** Number of topics held, for tests and metrics. */
  get topicCount(): number {
    return this.topics.size;
  }
}
