/**
 * Workload E's servers over real sockets and a real redis-server: an event published on one node reaches a
 * subscriber of another, once, in order, with its publish time. Keeps workload E honest when an adapter moves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timedEvent } from '../src/payload.js';
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
