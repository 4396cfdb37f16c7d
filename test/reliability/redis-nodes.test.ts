/**
 * Events across several Ackwire servers on one real redis-server: subscribers on different nodes, events
 * published on one node, the nodes' pub/sub connections killed, Redis restarted with and without
 * persistence, Redis stopped for a while, and a node killed with -9 while its clients resume elsewhere.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isAckwireError } from '@ackwire/core';
import type { StartInfo } from '@ackwire/client';
import { createRedisBroker, type RedisBroker } from '@ackwire/redis';
import { api, harness, type Harness, type ReliabilityClient } from '../helpers/reliability.js';
import { listeningPort } from '../helpers/listening-port.js';
import { skipWithoutRedis, startRedis, type RedisServer } from '../helpers/redis-server.js';

const skip = skipWithoutRedis('test/reliability/redis-nodes.test.ts');
const quiet = { error: () => undefined, warn: () => undefined };
const NODE_MAIN = fileURLToPath(new URL('../helpers/redis-node.ts', import.meta.url));

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

interface Node {
  h: Harness;
  broker: RedisBroker;
}

async function nodes(redis: RedisServer, count: number): Promise<Node[]> {
  const out: Node[] = [];
  for (let i = 0; i < count; i++) {
    const broker = await createRedisBroker({ url: redis.url, logger: quiet, retryMs: 50, commandTimeoutMs: 2000 });
    const h = await harness({ broker });
    cleanup.push(() => broker.close(), () => h.close());
    out.push({ h, broker });
  }
  return out;
}

async function redis(persistence = false): Promise<RedisServer> {
  const r = await startRedis({ persistence });
  cleanup.push(() => r.stop());
  return r;
}

interface Sub {
  ns: number[];
  offsets: number[];
  starts: StartInfo[];
}

function subscribe(client: ReliabilityClient, topic = 't'): Sub {
  const sub: Sub = { ns: [], offsets: [], starts: [] };
  client.jobs.feed.subscribe(
    { topic },
    {
      onData: (e, info) => {
        sub.ns.push(e.n);
        sub.offsets.push(info.offset);
      },
      onStarted: (info) => sub.starts.push(info),
    },
  );
  return sub;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const publish = async (node: Node, from: number, to: number, topic = 't') => {
  for (let n = from; n <= to; n++) await node.h.server.publish(api.jobs.feed, topic, { n });
};
const started = (subs: Sub[], count = 1) => expect.poll(() => subs.every((s) => s.starts.length >= count), { timeout: 10_000 }).toBe(true);
const received = (subs: Sub[], n: number, timeout = 15_000) =>
  expect.poll(() => subs.map((s) => s.ns.length).join(','), { timeout }).toBe(subs.map(() => n).join(','));

describe.skipIf(skip)('events across nodes on one Redis', () => {
  it('reach every subscriber on every node, in order, exactly once', async () => {
    const r = await redis();
    const ns = await nodes(r, 3);
    const subs = ns.flatMap((n) => [subscribe(n.h.client()), subscribe(n.h.client())]);
    await started(subs);
    await publish(ns[0]!, 1, 200);
    await received(subs, 200);
    for (const s of subs) {
      expect(s.ns).toEqual(range(1, 200));
      expect(s.offsets).toEqual(range(1, 200));
    }
    // One Redis subscription per topic per node, whatever the number of local subscribers.
    expect(ns.map((n) => n.broker.subscriptionCount)).toEqual([1, 1, 1]);
  });

  it("catch up by offset when the nodes' pub/sub connections are killed mid-stream", async () => {
    const r = await redis();
    const ns = await nodes(r, 3);
    const subs = ns.map((n) => subscribe(n.h.client()));
    await started(subs);
    const publishing = publish(ns[0]!, 1, 400);
    await expect.poll(() => Math.min(...subs.map((s) => s.ns.length)), { timeout: 10_000 }).toBeGreaterThanOrEqual(50);
    expect(await r.cli('CLIENT', 'KILL', 'TYPE', 'pubsub')).not.toBe('0\n');
    await publishing;
    await received(subs, 400);
    for (const s of subs) {
      expect(s.ns).toEqual(range(1, 400));
      expect(s.starts).toHaveLength(1);
    }
  });

  it("Redis restarted without persistence: every subscriber gets recovered: false, reason: 'epoch'", async () => {
    const r = await redis(false);
    const ns = await nodes(r, 3);
    const subs = ns.map((n) => subscribe(n.h.client()));
    await started(subs);
    await publish(ns[1]!, 1, 5);
    await received(subs, 5);
    await r.halt();
    await r.start();
    await started(subs, 2);
    for (const s of subs) {
      expect(s.starts[1]).toMatchObject({ recovered: false, reason: 'epoch', resumed: true });
      expect(s.starts[1]!.epoch).not.toBe(s.starts[0]!.epoch);
    }
    await publish(ns[1]!, 6, 8);
    await received(subs, 8);
    for (const s of subs) expect(s.offsets).toEqual([1, 2, 3, 4, 5, 1, 2, 3]);
  });

  it('Redis restarted with persistence (appendonly): delivery continues without a gap', async () => {
    const r = await redis(true);
    const ns = await nodes(r, 3);
    const subs = ns.map((n) => subscribe(n.h.client()));
    await started(subs);
    await publish(ns[2]!, 1, 5);
    await received(subs, 5);
    await r.halt();
    await r.start();
    await expect.poll(() => ns[2]!.h.server.publish(api.jobs.feed, 't', { n: 6 }).then(() => true, () => false), { timeout: 15_000, interval: 100 }).toBe(true);
    await publish(ns[2]!, 7, 10);
    await received(subs, 10);
    for (const s of subs) {
      expect(s.ns).toEqual(range(1, 10));
      expect(s.offsets).toEqual(range(1, 10));
      expect(s.starts).toHaveLength(1);
    }
  });

  it('Redis stopped for a few seconds: publish rejects with UNAVAILABLE, calls still work, delivery resumes after', async () => {
    const r = await redis(true);
    const ns = await nodes(r, 2);
    const client = ns[1]!.h.client();
    const subs = [subscribe(client), subscribe(ns[0]!.h.client())];
    await started(subs);
    await publish(ns[0]!, 1, 3);
    await received(subs, 3);
    await r.halt();
    const err = await ns[0]!.h.server.publish(api.jobs.feed, 't', { n: 4 }).catch((e: unknown) => e);
    expect(isAckwireError(err) && err.code).toBe('UNAVAILABLE');
    // The servers stay up and keep answering calls meanwhile.
    expect(await client.jobs.run({ key: 'during' })).toEqual({ key: 'during', runs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await r.start();
    await expect.poll(() => ns[0]!.h.server.publish(api.jobs.feed, 't', { n: 4 }).then(() => true, () => false), { timeout: 15_000, interval: 100 }).toBe(true);
    await publish(ns[0]!, 5, 6);
    await received(subs, 6);
    for (const s of subs) expect(s.ns).toEqual(range(1, 6));
  });

  it('a node killed with -9: its clients resume on another node from their offsets, without a gap', async () => {
    const r = await redis();
    const [other] = await nodes(r, 1);
    const child = spawn(process.execPath, ['--import', 'tsx', NODE_MAIN], { env: { ...process.env, REDIS_URL: r.url }, stdio: ['ignore', 'pipe', 'pipe'] });
    cleanup.push(() => stopChild(child));
    const port = await listeningPort(child);
    const h = other!.h;
    h.proxy.retarget(port);
    const subs = [subscribe(h.client()), subscribe(h.client())];
    await started(subs);
    await publish(other!, 1, 10);
    await received(subs, 10);
    h.proxy.refuse(true);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    await publish(other!, 11, 20); // while the clients have no node
    h.proxy.retarget(h.port);
    h.proxy.refuse(false);
    await received(subs, 20);
    await publish(other!, 21, 25);
    await received(subs, 25);
    for (const s of subs) {
      expect(s.ns).toEqual(range(1, 25));
      expect(s.starts.map((x) => x.recovered)).toEqual([true, true]);
    }
  });
});

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
