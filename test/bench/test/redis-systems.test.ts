/**
 * Workload E's servers over real sockets and a real redis-server: an event published on one node reaches a
 * subscriber of another, once, in order, with its publish time. Workload F's server keeps its sessions in
 * that Redis. Keeps workloads E and F honest when an adapter moves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEcho, makeInput, timedEvent } from '../src/payload.js';
import { REDIS_SERVER_OF, loadClient, startServer, systemByName } from '../src/systems/index.js';
import type { BenchServer } from '../src/systems/types.js';
import { skipWithoutRedis, startRedis, type RedisServer } from '../../helpers/redis-server.js';

const skip = skipWithoutRedis('test/bench/test/redis-systems.test.ts');
let redis: RedisServer | undefined;
beforeAll(async () => {
  if (!skip) redis = await startRedis();
}, 30_000);
afterAll(async () => {
  await redis?.stop();
});

describe.skipIf(skip).each(Object.keys(REDIS_SERVER_OF))('%s on Redis (workload E)', (name) => {
  it('delivers an event published on one node to a subscriber of another, once and in order', async () => {
    const spec = systemByName(name);
    const nodes: BenchServer[] = [];
    const closers: Array<() => unknown> = [];
    try {
      for (let i = 0; i < 2; i++) nodes.push(await startServer(REDIS_SERVER_OF[name]!, redis!.url));
      const client = await loadClient(spec.client);
      const got: Array<{ seq: number; at: number }> = [];
      const sub = await client.subscribe(nodes[1]!.url, (event) => {
        const t = timedEvent(event);
        if (t) got.push(t);
      });
      closers.push(() => sub.close());
      const before = performance.timeOrigin + performance.now();
      // socket.io's adapter reads its stream from "now" once its first poll runs: probe (seq 1000+) until
      // something arrives, then publish 1 to 5.
      let probe = 1000;
      await expect
        .poll(async () => {
          await nodes[0]!.publish(probe++);
          return got.length;
        }, { timeout: 10_000, interval: 200 })
        .toBeGreaterThan(0);
      for (let seq = 1; seq <= 5; seq++) await nodes[0]!.publish(seq);
      await expect.poll(() => got.filter((g) => g.seq < 1000).length, { timeout: 10_000 }).toBe(5);
      await new Promise((r) => setTimeout(r, 100));
      expect(got.map((g) => g.seq).filter((s) => s < 1000)).toEqual([1, 2, 3, 4, 5]);
      expect(got.every((g) => g.at >= before)).toBe(true);
    } finally {
      for (const c of closers) await c();
      for (const n of nodes) await n.close();
    }
  }, 30_000);
});

describe.skipIf(skip)('ackwire-redis-store (workload F)', () => {
  it('echoes concurrent calls intact, counts each once, and keeps the session in Redis', async () => {
    const server = await startServer('ackwire-redis-store', redis!.url);
    const client = await loadClient(systemByName('ackwire-redis-store').client);
    const conn = await client.connect(server.url);
    try {
      const inputs = Array.from({ length: 20 }, (_, i) => makeInput(i + 1));
      const replies = await Promise.all(inputs.map((input) => conn.call(input)));
      replies.forEach((reply, i) => expect(isEcho(inputs[i]!, reply)).toBe(true));
      expect(server.counters()).toMatchObject({ calls: 20, connections: 1, open: 1 });
      expect((await redis!.cli('--scan', '--pattern', 'ackwire:*')).trim()).not.toBe('');
    } finally {
      await conn.close();
      await server.close();
    }
  }, 30_000);
});
