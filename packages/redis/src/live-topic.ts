/**
 * One topic's live events on one node: a single Redis subscription whatever the number of local listeners,
 * each message decoded once and handed to every listener, in offset order without holes. A message that does
 * not follow the last delivered one (a lost pub/sub connection, a reconnect) starts a catch-up read from the
 * stream by offset; messages that arrive meanwhile wait and are delivered after it.
 */
import type { BrokerEvent, ReadResult, TopicHead } from '@ackwire/server';
import { decodePayload } from './payload.js';

export interface LiveListener {
  onEvent(event: BrokerEvent): void;
  onLost?(head: TopicHead): void;
}

interface Message {
  readonly epoch: string;
  readonly offset: number;
  readonly payload: string;
}

/** `<epoch> <offset> <payload>`, as the publish script sends it. */
export function parseMessage(text: string): Message | undefined {
  const a = text.indexOf(' ');
  const b = a < 0 ? -1 : text.indexOf(' ', a + 1);
  if (b < 0) return undefined;
  const offset = Number(text.slice(a + 1, b));
  if (!Number.isSafeInteger(offset) || offset < 1) return undefined;
  return { epoch: text.slice(0, a), offset, payload: text.slice(b + 1) };
}

export interface LiveTopicHost {
  /** Read the stream after `from` (every page up to the head). */
  read(topic: string, from: { epoch: string; offset: number }): Promise<ReadResult>;
  /** Something went wrong that nobody awaits. */
  report(message: string, err: unknown): void;
  /** How long to wait before retrying a catch-up that failed. */
  readonly retryMs: number;
}

export class LiveTopic {
  readonly listeners = new Set<LiveListener>();
  epoch = '';
  last = 0;
  /**
   * Highest offset a read (the head at start, a catch-up) or a local publish covered. A live message at or
   * below `last` is a duplicate only if one of those delivered it first; above `covered` it means the head
   * went back (a failover or a restart from a snapshot lost the tail) and offsets are being reused.
   */
  private covered = 0;
  /** False until the subscription and the head are known; messages wait in `pending` until then. */
  started = false;
  private catching = false;
  private again = false;
  private pending: Message[] = [];
  private retry: ReturnType<typeof setTimeout> | undefined;
  stopped = false;
  readonly onMessage = (text: string): void => {
    const m = parseMessage(text);
    if (!m) return this.host.report(`malformed live message on topic "${this.name}"`, new Error(text.slice(0, 80)));
    if (!this.started || this.catching) this.pending.push(m);
    else this.take(m);
  };

  constructor(
    readonly name: string,
    private readonly host: LiveTopicHost,
  ) {}

  /** The subscription is active and the head read after it is `head`: deliver what waited. */
  start(head: TopicHead): void {
    this.epoch = head.epoch;
    this.last = head.offset;
    this.covered = head.offset;
    this.started = true;
    const waiting = this.pending;
    this.pending = [];
    for (const m of waiting) {
      if (this.catching) this.pending.push(m);
      else this.take(m);
    }
  }

  /**
   * This node published the event: deliver it at once if it is the next one, instead of waiting for its
   * live message to come back from Redis (which then counts as a duplicate).
   */
  published(head: TopicHead, data: unknown): void {
    if (!this.started || this.catching || this.stopped || head.epoch !== this.epoch || head.offset !== this.last + 1) return;
    this.covered = Math.max(this.covered, head.offset);
    this.deliver(head.offset, data);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
  }

  private take(m: Message): void {
    if (m.epoch === this.epoch) {
      // The catch-up read passes `last` as seen, so the store starts a new epoch and the loss is reported.
      if (m.offset <= this.last) return m.offset > this.covered ? this.catchUp() : undefined;
      if (m.offset === this.last + 1) return this.deliver(m.offset, decodePayload(m.payload));
    }
    this.pending.push(m);
    this.catchUp();
  }

  private deliver(offset: number, data: unknown): void {
    this.last = offset;
    const event: BrokerEvent = { epoch: this.epoch, offset, data };
    for (const l of this.listeners) {
      try {
        l.onEvent(event);
      } catch (err) {
        this.host.report(`a listener of topic "${this.name}" threw`, err);
      }
    }
  }

  private lost(head: TopicHead): void {
    for (const l of this.listeners) {
      try {
        l.onLost?.(head);
      } catch (err) {
        this.host.report(`a listener of topic "${this.name}" threw`, err);
      }
    }
  }

  /**
   * Read from the stream what the live messages skipped, then deliver the waiting messages that follow.
   * Called after a hole, another epoch, or a pub/sub reconnect; retried while Redis cannot answer.
   */
  catchUp(): void {
    if (!this.started || this.stopped) return;
    if (this.catching) {
      this.again = true;
      return;
    }
    this.catching = true;
    this.again = false;
    void this.host
      .read(this.name, { epoch: this.epoch, offset: this.last })
      .then(
        (r) => {
          if (this.stopped) return;
          this.covered = Math.max(this.covered, r.head.offset);
          if ('gap' in r) {
            const epochChanged = r.gap === 'epoch';
            this.epoch = r.head.epoch;
            this.last = Math.max(r.head.offset, epochChanged ? 0 : this.last);
            if (epochChanged) {
              this.covered = r.head.offset;
              this.lost(r.head);
            }
          } else {
            for (const e of r.events) if (e.offset === this.last + 1) this.deliver(e.offset, e.data);
          }
          this.catching = false;
          const waiting = this.pending;
          this.pending = [];
          let hole = false;
          for (const m of waiting) {
            if (m.epoch === this.epoch && m.offset <= this.last) continue;
            if (m.epoch === this.epoch && m.offset === this.last + 1 && !hole) this.deliver(m.offset, decodePayload(m.payload));
            else {
              hole = true;
              this.pending.push(m);
            }
          }
          if (hole || this.again) this.catchUp();
        },
        (err: unknown) => {
          this.catching = false;
          if (this.stopped) return;
          this.host.report(`catching up topic "${this.name}" failed; retrying`, err);
          clearTimeout(this.retry);
          this.retry = setTimeout(() => this.catchUp(), this.host.retryMs);
          this.retry.unref?.();
        },
      );
  }
}
