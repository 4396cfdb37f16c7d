/**
 * A broker that answers every call asynchronously after a random delay (seeded, so a failure repeats), and
 * delivers each listener's events in order after random delays too. It wraps another broker, so the rules
 * hold for it exactly when the hub and the conformance suite do not depend on synchronous answers.
 */
import type { Broker, BrokerEvent, Listening, ReadResult, TopicHead } from '@ackwire/server';

/** mulberry32: a small seeded generator. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class AsyncBroker implements Broker {
  private readonly random: () => number;

  constructor(
    readonly inner: Broker,
    seed: number,
    private readonly maxDelayMs = 4,
  ) {
    this.random = seeded(seed);
  }

  private later<T>(fn: () => T | Promise<T>): Promise<T> {
    const delay = Math.floor(this.random() * (this.maxDelayMs + 1));
    return new Promise<T>((resolve, reject) => setTimeout(() => Promise.resolve().then(fn).then(resolve, reject), delay));
  }

  publish(topic: string, data: unknown): Promise<TopicHead> {
    // The append happens at once (so publish order is offset order, as with any store); the answer is late.
    const head = this.inner.publish(topic, data);
    return this.later(() => head);
  }

  listen(topic: string, onEvent: (event: BrokerEvent) => void, onLost?: (head: TopicHead) => void): Promise<Listening> {
    const queue: BrokerEvent[] = [];
    let draining = false;
    let stopped = false;
    const drain = (): void => {
      if (stopped) return;
      const next = queue.shift();
      if (!next) {
        draining = false;
        return;
      }
      onEvent(next);
      setTimeout(drain, Math.floor(this.random() * (this.maxDelayMs + 1)));
    };
    const listening = this.inner.listen(
      topic,
      (event) => {
        queue.push(event);
        if (!draining) {
          draining = true;
          setTimeout(drain, Math.floor(this.random() * (this.maxDelayMs + 1)));
        }
      },
      onLost,
    );
    return this.later(async () => {
      const l = await listening;
      return {
        head: l.head,
        stop: () => {
          stopped = true;
          l.stop();
        },
      };
    });
  }

  read(topic: string, from: { epoch: string; offset: number }): Promise<ReadResult> {
    return this.later(() => this.inner.read(topic, from));
  }

  close(): Promise<void> {
    return this.later(() => this.inner.close?.());
  }
}
