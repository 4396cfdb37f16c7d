/** The default broker: one process, history kept in memory, bounded by count and age per topic. */
import type { Broker, BrokerEvent, Listening, ReadResult, TopicHead } from './broker.js';
import { randomId } from './random-id.js';

export interface MemoryBrokerOptions {
  /** Most events kept per topic for replay. Default 10,000. */
  retainCount?: number;
  /** Longest time an event is kept for replay, in ms. Default 120,000 (2 minutes). */
  retainMs?: number;
  /** Topics nobody listens to that hold no event (never published, or every event aged out) are dropped;
   * their heads (epoch and offset) are remembered for at most this many topics, the oldest forgotten first,
   * so a subscriber resuming one sees no gap (never published) or a retention gap (aged out), and the
   * topic's next event continues its offsets. Default 10,000. */
  maxReleasedTopics?: number;
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

/**
 * Epochs are `<broker instance>.<n>`: a resume point with another broker's epoch lost its history to a restart
 * (gap 'epoch'); one with an older epoch of this broker lost it to retention (the topic aged out and was
 * forgotten: gap 'retention').
 */
export class MemoryBroker implements Broker {
  private readonly topics = new Map<string, Topic>();
  private readonly instance = randomId(9);
  private epochs = 0;
  /** Heads of topics dropped while they held no event and had no listener, oldest first. */
  private readonly released = new Map<string, TopicHead>();
  private readonly maxReleased: number;
  private readonly retainCount: number;
  private readonly retainMs: number;
  private readonly now: () => number;
  private readonly sweeper: ReturnType<typeof setInterval>;

  constructor(options: MemoryBrokerOptions = {}) {
    this.retainCount = Math.max(1, options.retainCount ?? 10_000);
    this.retainMs = options.retainMs ?? 120_000;
    this.now = options.now ?? Date.now;
    this.maxReleased = Math.max(0, options.maxReleasedTopics ?? 10_000);
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
      // A topic dropped while it held no event continues its epoch and its offsets.
      const head = this.released.get(name);
      if (head) this.released.delete(name);
      const epoch = head?.epoch ?? `${this.instance}.${(++this.epochs).toString(36)}`;
      t = { epoch, offset: head?.offset ?? 0, ring: [], start: 0, size: 0, listeners: new Set(), touched: this.now() };
      this.topics.set(name, t);
    }
    return t;
  }

  /** A topic without events and listeners holds nothing worth keeping but its head. */
  private release(name: string, t: Topic): void {
    if (t.size !== 0 || t.listeners.size > 0 || this.topics.get(name) !== t) return;
    this.topics.delete(name);
    if (this.maxReleased === 0) return;
    this.released.set(name, { epoch: t.epoch, offset: t.offset });
    if (this.released.size > this.maxReleased) this.released.delete(this.released.keys().next().value!);
  }

  /** Drop events past the age limit; forget idle topics whose history is empty. */
  private trim(name: string, t: Topic): void {
    const oldest = this.now() - this.retainMs;
    while (t.size > 0 && t.ring[t.start]!.time < oldest) {
      t.ring[t.start] = undefined;
      t.start = (t.start + 1) % this.retainCount;
      t.size--;
    }
    if (t.size === 0 && t.touched < oldest) this.release(name, t);
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
        this.release(name, t);
      },
    };
  }

  read(name: string, from: { epoch: string; offset: number }): ReadResult {
    // An unknown topic gets a fresh epoch (any resume point is from another history), a dropped one its head.
    const live = this.topic(name);
    this.trim(name, live);
    const head = { epoch: live.epoch, offset: live.offset };
    this.release(name, live); // read without listening: nothing to keep for a topic without events
    if (from.epoch !== live.epoch) return { gap: this.isOurs(from.epoch) ? 'retention' : 'epoch', head };
    if (from.offset > live.offset) return { gap: 'epoch', head };
    if (from.offset === live.offset) return { events: [], head };
    const first = live.offset - live.size + 1;
    if (from.offset + 1 < first) return { gap: 'retention', head };
    const events: BrokerEvent[] = [];
    for (let i = from.offset + 1 - first; i < live.size; i++) events.push(live.ring[(live.start + i) % this.retainCount]!);
    return { events, head };
  }

  /** Whether an epoch was made by this broker (its history aged out here rather than in a restart). */
  private isOurs(epoch: string): boolean {
    return epoch.length > this.instance.length + 1 && epoch.startsWith(this.instance) && epoch[this.instance.length] === '.';
  }

  /** Number of topics held, for tests and metrics. */
  get topicCount(): number {
    return this.topics.size;
  }
}
