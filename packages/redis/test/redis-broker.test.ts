/**
 * What RedisBroker does beyond the shared broker rules: one Redis subscription per topic per node, one
 * decoded event for every local listener, catch-up after a lost pub/sub connection, loss detection for a
 * stream or head that went missing, paged replays, UNAVAILABLE while Redis is down, hash-tagged keys.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCluster } from 'redis';
import { isAckwireError, type BrokerEvent, type TopicHead } from '@ackwire/server';
import { createRedisBroker, topicKeys, type RedisBroker, type RedisBrokerOptions } from '@ackwire/redis';
import { skipWithoutRedis, startRedis, startRedisCluster, type RedisServer } from '../../../test/helpers/redis-server.js';

const skip = skipWithoutRedis('packages/redis/test/redis-broker.test.ts');
const quiet = { error: () => undefined, warn: () => undefined };

let redis: RedisServer | undefined;
const brokers: RedisBroker[] = [];
let n = 0;
const topic = (name: string): string => `unit ${name} ${++n}`;

beforeAll(async () => {
  if (!skip) redis = await startRedis();
}, 30_000);
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.close()));
});
afterAll(async () => {
  await redis?.stop();
});

async function broker(options: Partial<RedisBrokerOptions> = {}): Promise<RedisBroker> {
  const b = await createRedisBroker({ url: redis!.url, logger: quiet, retryMs: 50, ...options });
  brokers.push(b);
  return b;
}

/** Events as they arrive, and a wait for a condition on them that fails with a message after `ms`. */
function collect() {
  const events: BrokerEvent[] = [];
  const lost: TopicHead[] = [];
  const waiters = new Set<() => void>();
  const changed = () => waiters.forEach((w) => w());
  return {
    events,
    lost,
    onEvent: (e: BrokerEvent) => {
      events.push(e);
      changed();
    },
    onLost: (h: TopicHead) => {
      lost.push(h);
      changed();
    },
    when: (done: () => boolean, what: string, ms = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!done()) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${what} within ${ms} ms (have ${events.length} events, ${lost.length} losses)`));
        }, ms);
        waiters.add(check);
        check();
      }),
  };
}

const offsets = (events: readonly BrokerEvent[]) => events.map((e) => e.offset);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe.skipIf(skip)('RedisBroker', () => {
  it('holds one sharded subscription per topic however many listeners, and hands them one decoded event', async () => {
    const b = await broker();
    expect(b.sharded).toBe(true);
    const t = topic('one-subscription');
    const cs = [collect(), collect(), collect()];
    const ls = await Promise.all(cs.map((c) => b.listen(t, c.onEvent)));
    const channel = topicKeys('ackwire:', t).channel;
    expect(await redis!.cli('PUBSUB', 'SHARDNUMSUB', channel)).toBe(`${channel}\n1\n`);
    await b.publish(t, { x: 1 });
    await Promise.all(cs.map((c) => c.when(() => c.events.length === 1, 'one event')));
    expect(cs[1]!.events[0]).toBe(cs[0]!.events[0]);
    expect(cs[2]!.events[0]).toBe(cs[0]!.events[0]);
    for (const l of ls) l.stop();
    expect(b.subscriptionCount).toBe(0);
    // SUNSUBSCRIBE is sent when the last listener stops; a round trip on another topic lets it land.
    await b.read(topic('flush'), { epoch: 'x', offset: 0 });
    await expect.poll(() => redis!.cli('PUBSUB', 'SHARDNUMSUB', channel), { timeout: 5000 }).toBe(`${channel}\n0\n`);
  });

  it('catches up from the stream by offset after its pub/sub connection was killed mid-stream', async () => {
    const listener = await broker();
    const publisher = await broker();
    const t = topic('kill');
    const c = collect();
    await listener.listen(t, c.onEvent, c.onLost);
    const publishing = (async () => {
      for (let i = 1; i <= 300; i++) await publisher.publish(t, i);
    })();
    await c.when(() => c.events.length >= 50, '50 events before the kill');
    await redis!.cli('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await publishing;
    await c.when(() => c.events.length >= 300, 'all 300 events');
    expect(offsets(c.events)).toEqual(range(1, 300));
    expect(c.events.map((e) => e.data)).toEqual(range(1, 300));
    expect(c.lost).toEqual([]);
  });

  it('reads a long replay in pages of readBatch', async () => {
    const b = await broker({ readBatch: 7 });
    const t = topic('pages');
    let head = { epoch: '', offset: 0 };
    for (let i = 1; i <= 50; i++) head = await b.publish(t, i);
    const r = await b.read(t, { epoch: head.epoch, offset: 3 });
    expect('events' in r && r.events.map((e) => e.data)).toEqual(range(4, 50));
  });

  it('keeps an idle topic\'s epoch for topicTtlMs (retention gap), then forgets it (epoch gap)', async () => {
    const b = await broker({ retainMs: 200, topicTtlMs: 3000 });
    const t = topic('ttl');
    const head = await b.publish(t, 1);
    await new Promise((r) => setTimeout(r, 400));
    // The events aged out and their stream expired; the epoch and head are still there.
    expect(await redis!.cli('EXISTS', topicKeys('ackwire:', t).events)).toBe('0\n');
    expect(await b.read(t, { epoch: head.epoch, offset: 0 })).toEqual({ gap: 'retention', head });
    // Reads refresh the topic's expiry, so wait for it to pass without touching the topic.
    await new Promise((r) => setTimeout(r, 3300));
    const r = await b.read(t, { epoch: head.epoch, offset: 1 });
    expect(r).toMatchObject({ gap: 'epoch', head: { offset: 0 } });
    expect(r.head.epoch).not.toBe(head.epoch);
  });

  it('starts a new epoch when the stream vanished before its events could age out', async () => {
    const b = await broker();
    const t = topic('stream-gone');
    const head = await b.publish(t, 1);
    await redis!.cli('DEL', topicKeys('ackwire:', t).events);
    const r = await b.read(t, { epoch: head.epoch, offset: 1 });
    expect(r).toMatchObject({ gap: 'epoch', head: { offset: 0 } });
    expect(r.head.epoch).not.toBe(head.epoch);
    expect(await b.publish(t, 2)).toEqual({ epoch: r.head.epoch, offset: 1 });
  });

  it('starts a new epoch when the epoch and head vanished but the stream is still there', async () => {
    const b = await broker();
    const t = topic('meta-gone');
    const head = await b.publish(t, 1);
    await redis!.cli('DEL', topicKeys('ackwire:', t).meta);
    const next = await b.publish(t, 2);
    expect(next.epoch).not.toBe(head.epoch);
    expect(next.offset).toBe(1);
  });

  it('starts a new epoch when the head went back behind an offset this node saw (a failover lost the tail)', async () => {
    const b = await broker();
    const t = topic('tail');
    let head = { epoch: '', offset: 0 };
    for (let i = 1; i <= 5; i++) head = await b.publish(t, i);
    // What a replica that missed the last two writes would hold after promotion.
    const keys = topicKeys('ackwire:', t);
    await redis!.cli('HSET', keys.meta, 'o', '3');
    await redis!.cli('XTRIM', keys.events, 'MAXLEN', '3');
    const next = await b.publish(t, 6);
    expect(next.epoch).not.toBe(head.epoch);
    expect(next.offset).toBe(1);
  });

  it('tells its listeners when another node publishes into a head that went back (offsets being reused)', async () => {
    const listener = await broker();
    const t = topic('rollback');
    const c = collect();
    const l = await listener.listen(t, c.onEvent, c.onLost);
    const first = await broker();
    for (let i = 1; i <= 5; i++) await first.publish(t, i);
    await c.when(() => c.events.length === 5, 'five events');
    // Redis restarted from a snapshot taken at offset 3; a node that never saw 4 and 5 publishes.
    const keys = topicKeys('ackwire:', t);
    await redis!.cli('HSET', keys.meta, 'o', '3');
    await redis!.cli('DEL', keys.events);
    for (const i of [1, 2, 3]) await redis!.cli('XADD', keys.events, `${i}-1`, 'd', `[${i}]`);
    const fresh = await broker();
    const reused = await fresh.publish(t, 'reused');
    expect(reused).toEqual({ epoch: l.head.epoch, offset: 4 });
    await c.when(() => c.lost.length === 1, 'the loss to be reported');
    expect(c.lost[0]!.epoch).not.toBe(l.head.epoch);
    expect(c.events.map((e) => e.data)).toEqual([1, 2, 3, 4, 5]);
  });

  it('starts a new epoch when the stream is ahead of the head (the two disagree)', async () => {
    const b = await broker();
    const t = topic('ahead');
    let head = { epoch: '', offset: 0 };
    for (let i = 1; i <= 5; i++) head = await b.publish(t, i);
    await redis!.cli('HSET', topicKeys('ackwire:', t).meta, 'o', '3');
    const fresh = await broker();
    const next = await fresh.publish(t, 6);
    expect(next.epoch).not.toBe(head.epoch);
    expect(next.offset).toBe(1);
    expect(await fresh.publish(t, 7)).toEqual({ epoch: next.epoch, offset: 2 });
  });

  it('tells its listeners when the history was lost (FLUSHALL), and delivers the new epoch after it', async () => {
    const listener = await broker();
    const publisher = await broker();
    const t = topic('flush');
    const c = collect();
    const l = await listener.listen(t, c.onEvent, c.onLost);
    await publisher.publish(t, 'old');
    await c.when(() => c.events.length === 1, 'the first event');
    await redis!.cli('FLUSHALL');
    const fresh = await publisher.publish(t, 'new');
    await c.when(() => c.lost.length === 1, 'the loss');
    expect(c.lost[0]!.epoch).toBe(fresh.epoch);
    expect(c.lost[0]!.epoch).not.toBe(l.head.epoch);
    await publisher.publish(t, 'newer');
    await c.when(() => c.events.some((e) => e.data === 'newer'), 'an event of the new epoch');
    expect(c.events.filter((e) => e.epoch === fresh.epoch).map((e) => e.offset).at(-1)).toBe(2);
  });

  it('rejects publish with UNAVAILABLE while Redis is down, and listeners catch up once it is back', async () => {
    const server = await startRedis({ persistence: true });
    try {
      const listener = await createRedisBroker({ url: server.url, logger: quiet, retryMs: 50 });
      const publisher = await createRedisBroker({ url: server.url, logger: quiet, retryMs: 50 });
      brokers.push(listener, publisher);
      const t = topic('down');
      const c = collect();
      await listener.listen(t, c.onEvent, c.onLost);
      await publisher.publish(t, 1);
      await c.when(() => c.events.length === 1, 'the first event');
      await server.halt();
      const err = await publisher.publish(t, 2).catch((e: unknown) => e);
      expect(isAckwireError(err) && err.code).toBe('UNAVAILABLE');
      expect((err as Error).message).toMatch(/Redis/);
      await server.start();
      await expect.poll(async () => (await publisher.publish(t, 'back').then(() => true, () => false)), { timeout: 15_000, interval: 200 }).toBe(true);
      await c.when(() => c.events.some((e) => e.data === 'back'), 'the event published after the restart', 15_000);
      expect(c.lost).toEqual([]);
      const offs = offsets(c.events);
      expect(offs).toEqual(range(1, offs.length));
    } finally {
      await Promise.all(brokers.splice(0).map((b) => b.close()));
      await server.stop();
    }
  });

  it("keeps a topic's keys and channel in one cluster slot, whatever braces its name has", async () => {
    const cluster = await startRedisCluster();
    try {
      for (const name of ['plain', '}{', '{a}b', 'chat {"room":"x"}', '}']) {
        const k = topicKeys('ackwire:', name);
        const slots = await Promise.all([k.meta, k.events, k.channel].map((key) => cluster.nodes[0]!.cli('CLUSTER', 'KEYSLOT', key)));
        expect(new Set(slots).size, name).toBe(1);
      }
      const c = createCluster({ rootNodes: cluster.urls.map((url) => ({ url })) });
      const b = await createRedisBroker({ cluster: c, logger: quiet });
      try {
        expect(b.sharded).toBe(true);
        // The empty topic name too (an empty hash tag would hash whole keys: CROSSSLOT in the script).
        const empty = await b.publish('', 'empty');
        const r = await b.read('', { epoch: empty.epoch, offset: 0 });
        expect('events' in r && r.events.map((e) => e.data)).toEqual(['empty']);
        const heads = await Promise.all(range(1, 40).map((i) => b.publish(`slot spread ${i}`, i)));
        expect(heads.every((h) => h.offset === 1)).toBe(true);
        const perNode = await Promise.all(cluster.nodes.map((node) => node.cli('DBSIZE')));
        expect(perNode.filter((s) => Number(s) > 0).length, 'topics spread over the masters').toBeGreaterThan(1);

        // Sharded subscriptions killed on every master mid-stream: the node catches up from the stream.
        const c2 = createCluster({ rootNodes: cluster.urls.map((url) => ({ url })) });
        const listener = await createRedisBroker({ cluster: c2, logger: quiet, retryMs: 50 });
        try {
          const got = collect();
          await listener.listen('cluster kill', got.onEvent, got.onLost);
          const publishing = (async () => {
            for (let i = 1; i <= 200; i++) await b.publish('cluster kill', i);
          })();
          await got.when(() => got.events.length >= 30, '30 events before the kill');
          await Promise.all(cluster.nodes.map((node) => node.cli('CLIENT', 'KILL', 'TYPE', 'pubsub')));
          await publishing;
          await got.when(() => got.events.length >= 200, 'all 200 events');
          expect(offsets(got.events)).toEqual(range(1, 200));
          expect(got.lost).toEqual([]);
        } finally {
          await listener.close();
          c2.destroy();
        }
      } finally {
        await b.close();
        c.destroy();
      }
    } finally {
      await cluster.stop();
    }
  }, 60_000);
});
