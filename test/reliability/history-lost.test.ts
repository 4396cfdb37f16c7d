/**
 * A topic's history lost in the broker while subscribers listen (a shared store flushed or restarted): the
 * subscribers must hear of it as an epoch gap, never continue silently in offsets of another epoch.
 */
import { MemoryBroker, type Broker, type BrokerEvent, type Listening, type TopicHead } from '@ackwire/server';
import type { StartInfo } from '@ackwire/client';
import { describe, expect, it } from 'vitest';
import { api, harness, type Harness } from '../helpers/reliability.js';

/** A MemoryBroker that can lose everything at once, as a Redis restarted without persistence does. */
class LosableBroker implements Broker {
  private inner = new MemoryBroker();
  private readonly listeners = new Set<{ topic: string; onEvent: (e: BrokerEvent) => void; onLost?: (h: TopicHead) => void; inner: Listening }>();

  constructor(private readonly tellsListeners: boolean) {}

  publish(topic: string, data: unknown): TopicHead {
    return this.inner.publish(topic, data);
  }

  listen(topic: string, onEvent: (e: BrokerEvent) => void, onLost?: (h: TopicHead) => void): Listening {
    const entry = { topic, onEvent, onLost, inner: this.inner.listen(topic, onEvent) };
    this.listeners.add(entry);
    return {
      head: entry.inner.head,
      stop: () => {
        entry.inner.stop();
        this.listeners.delete(entry);
      },
    };
  }

  read(topic: string, from: { epoch: string; offset: number }) {
    return this.inner.read(topic, from);
  }

  /** Start over with no history; listeners move to the new store, told (or not) that the old one is gone. */
  lose(): void {
    this.inner.close();
    this.inner = new MemoryBroker();
    for (const l of this.listeners) {
      l.inner = this.inner.listen(l.topic, l.onEvent);
      if (this.tellsListeners) l.onLost?.(l.inner.head);
    }
  }

  close(): void {
    this.inner.close();
  }
}


async function subscribed(tellsListeners: boolean) {
  const broker = new LosableBroker(tellsListeners);
  const h = await harness({ broker });
  const client = h.client();
  const starts: StartInfo[] = [];
  const got: Array<{ n: number; offset: number; epoch: string }> = [];
  client.jobs.feed.subscribe({ topic: 't' }, { onData: (e, info) => got.push({ n: e.n, ...info }), onStarted: (s) => starts.push(s) });
  await expect.poll(() => starts.length).toBe(1);
  for (let n = 1; n <= 3; n++) await h.server.publish(api.jobs.feed, 't', { n });
  await expect.poll(() => got.length).toBe(3);
  return { broker, h, starts, got };
}

describe('a topic history lost while subscribed', () => {
  it('regression: a broker that reports the loss (onLost) gives subscribers an epoch gap, then the new epoch', async () => {
    const { broker, h, starts, got } = await subscribed(true);
    broker.lose();
    await expect.poll(() => starts.length, { timeout: 10_000 }).toBe(2);
    expect(starts[1]).toMatchObject({ recovered: false, reason: 'epoch', resumed: true });
    expect(starts[1]!.epoch).not.toBe(starts[0]!.epoch);
    await h.server.publish(api.jobs.feed, 't', { n: 4 });
    await expect.poll(() => got.length).toBe(4);
    expect(got[3]).toEqual({ n: 4, offset: 1, epoch: starts[1]!.epoch });
  });

  it('regression: events of another epoch are not passed on as if they followed (no silent drop as duplicates)', async () => {
    const { broker, h, starts, got } = await subscribed(false);
    broker.lose();
    // Offset 1 of the new epoch would look like a duplicate of the old offset 1 to the client.
    await h.server.publish(api.jobs.feed, 't', { n: 4 });
    await expect.poll(() => starts.length, { timeout: 10_000 }).toBe(2);
    expect(starts[1]).toMatchObject({ recovered: false, reason: 'epoch' });
    await h.server.publish(api.jobs.feed, 't', { n: 5 });
    await expect.poll(() => got.map((g) => g.n)).toEqual([1, 2, 3, 5]);
    expect(got[3]).toEqual({ n: 5, offset: 2, epoch: starts[1]!.epoch });
  });
});
