/** Resumable subscriptions: replay after a cut, explicit gaps, server restarts, slow consumers. */
import { MemoryBroker } from '@ackwire/server';
import { describe, expect, it } from 'vitest';
import { SESSION_STORES, api, harness, sleep, type Harness } from '../helpers/reliability.js';
import type { StartInfo } from '@ackwire/client';
import { internals } from '../helpers/internals.js';

async function make(...args: Parameters<typeof harness>): Promise<Harness> {
  const h = await harness(...args);
  return h;
}

function collect(client: ReturnType<Harness['client']>, topic = 't') {
  const offsets: number[] = [];
  const values: number[] = [];
  const starts: StartInfo[] = [];
  let ready!: () => void;
  const started = new Promise<void>((r) => (ready = r));
  const stop = client.jobs.feed.subscribe(
    { topic },
    {
      onData: (e, info) => {
        offsets.push(info.offset);
        values.push(e.n);
      },
      onStarted: (info) => {
        starts.push(info);
        ready();
      },
    },
  );
  return { offsets, values, starts, started, stop };
}

const publish = async (h: Harness, from: number, to: number, topic = 't', pad?: string): Promise<void> => {
  for (let n = from; n <= to; n++) await h.server.publish(api.jobs.feed, topic, pad ? { n, pad } : { n });
};

describe('subscriptions across a lost connection', () => {
  it('replays what was missed, in order, without duplicates', async () => {
    const h = await make();
    const client = h.client();
    const sub = collect(client);
    await sub.started;
    await publish(h, 1, 5);
    await expect.poll(() => sub.offsets.length).toBe(5);
    h.proxy.refuse(true);
    h.proxy.cut();
    await publish(h, 6, 20); // published while the client is away
    h.proxy.refuse(false);
    await expect.poll(() => sub.offsets.length).toBe(20);
    await publish(h, 21, 25);
    await expect.poll(() => sub.offsets.length).toBe(25);
    expect(sub.values).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(sub.offsets).toEqual(sub.values);
    expect(sub.starts.map((s) => [s.recovered, s.resumed])).toEqual([
      [true, false],
      [true, true],
    ]);
  });

  it('signals a gap when retention was exceeded, then continues from now', async () => {
    const h = await make({ broker: new MemoryBroker({ retainCount: 5 }) });
    const client = h.client();
    const sub = collect(client);
    await sub.started;
    await publish(h, 1, 3);
    await expect.poll(() => sub.offsets.length).toBe(3);
    h.proxy.refuse(true);
    h.proxy.cut();
    await publish(h, 4, 20); // more than the broker keeps
    h.proxy.refuse(false);
    await expect.poll(() => sub.starts.length).toBe(2);
    expect(sub.starts[1]).toMatchObject({ recovered: false, reason: 'retention', offset: 20, resumed: true });
    await publish(h, 21, 22);
    await expect.poll(() => sub.offsets.length).toBe(5);
    expect(sub.offsets).toEqual([1, 2, 3, 21, 22]);
  });

  it('signals an epoch gap after a server restart (in-memory history is gone)', async () => {
    const h1 = await make();
    const client = h1.client();
    const sub = collect(client);
    await sub.started;
    await publish(h1, 1, 4);
    await expect.poll(() => sub.offsets.length).toBe(4);
    // Restart: a new server process (new broker, no sessions) on the same port behind the same proxy.
    await h1.server.close();
    const h2 = await harness({}, h1.port);
    await expect.poll(() => sub.starts.length, { timeout: 5000 }).toBe(2);
    expect(sub.starts[1]).toMatchObject({ recovered: false, reason: 'epoch', resumed: true });
    expect(sub.starts[1]!.epoch).not.toBe(sub.starts[0]!.epoch);
    await h2.server.publish(api.jobs.feed, 't', { n: 100 });
    await expect.poll(() => sub.values.at(-1)).toBe(100);
    expect(sub.offsets).toEqual([1, 2, 3, 4, 1]);
  });

  it('closes a slow consumer with 4509 when its send buffer passes the limit; it resumes without loss', async () => {
    const h = await make({ limits: { maxBufferedBytes: 256 * 1024 } });
    const client = h.client();
    const closes: number[] = [];
    client.$on('close', (info) => closes.push(info.code));
    const sub = collect(client);
    await sub.started;
    h.proxy.stall(true); // the client stops reading
    const pad = 'x'.repeat(32 * 1024);
    const other = h.client({ url: `ws://127.0.0.1:${h.port}/` }); // not through the stalled proxy
    const otherSub = collect(other, 'u');
    await otherSub.started;
    await publish(h, 1, 300, 't', pad); // ~10 MB: more than the kernel buffers and the limit together
    await publish(h, 1, 1, 'u');
    await expect.poll(() => internals(h.server).connections.size, { timeout: 5000 }).toBe(1); // the slow one was dropped
    await expect.poll(() => otherSub.values).toEqual([1]); // the other connection did not notice
    h.proxy.stall(false);
    await expect.poll(() => closes.includes(4509), { timeout: 5000 }).toBe(true);
    await expect.poll(() => sub.offsets.length, { timeout: 10_000 }).toBe(300);
    expect(sub.offsets).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    // The replay is paced by the send buffer, so coming back does not trip the limit again.
    expect(closes.filter((c) => c === 4509)).toHaveLength(1);
  });
});

describe.each(SESSION_STORES)('ordering of a subscribe and the calls behind it (%s)', (_, store) => {
  it('an event published by a call sent right after subscribe reaches the subscription', async () => {
    const h = await make(store());
    h.during.set('publishes', () => h.server.publish(api.jobs.feed, 'now', { n: 1 }).then(() => undefined));
    const client = h.client();
    await client.$ready();
    const got: number[] = [];
    client.jobs.feed.subscribe({ topic: 'now' }, { onData: (e) => got.push(e.n) });
    await client.jobs.run({ key: 'publishes' }); // sent behind the subscribe, without waiting for onStarted
    await expect.poll(() => got).toEqual([1]);
  });
});
