/**
 * Calls across nodes: three Ackwire servers sharing sessions in one real redis-server (RedisSessionStore)
 * behind a round-robin proxy that cuts every connection at random intervals (20–200 ms), so most resumes
 * land on another node, often while a call still runs on the node it left. Not idempotent handlers, some
 * slow, counted by their side effects: every call must settle with its result, and no handler may run
 * twice or not at all. Seeded (CHAOS_SEED), bounded in time.
 */
import { createClient } from '@ackwire/client';
import { createServer } from '@ackwire/server';
import { createRedisSessionStore } from '@ackwire/redis';
import { listen } from '@ackwire/server/ws';
import { afterAll, expect, it } from 'vitest';
import { cutAtRandom, seeded, startProxy } from '../helpers/proxy.js';
import { api } from '../helpers/reliability.js';
import { skipWithoutRedis, startRedis } from '../helpers/redis-server.js';

const CALLS = 10_000;
const CLIENTS = 10;
const NODES = 3;
const SEED = Number(process.env.CHAOS_SEED ?? 20261204);
const skip = skipWithoutRedis('test/reliability/redis-sessions-chaos.test.ts');
const quiet = { error: () => undefined, warn: () => undefined };
const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

it.skipIf(skip)(`calls across three nodes sharing sessions in Redis: none lost, none run twice, across random cuts (seed ${SEED})`, { timeout: 150_000 }, async () => {
  const random = seeded(SEED);
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  /** Handler runs per key, over all nodes (they share this process). */
  const runs = new Map<string, number>();
  const ranOn = new Set<string>();
  const ports: number[] = [];
  for (let i = 0; i < NODES; i++) {
    const sessionStore = await createRedisSessionStore({ url: redis.url, logger: quiet });
    const server = createServer(api, {
      logger: quiet,
      sessionStore,
      handlers: {
        jobs: {
          run: async ({ key, ms }) => {
            const n = (runs.get(key) ?? 0) + 1;
            runs.set(key, n);
            ranOn.add(`${i}`);
            if (ms) await new Promise((r) => setTimeout(r, ms));
            return { key, runs: n };
          },
          retryable: ({ key }) => ({ key, runs: 1 }),
          feed: ({ topic }) => topic,
        },
      },
    });
    const listener = await listen(server, { port: 0 });
    cleanups.push(() => sessionStore.close(), () => server.close());
    ports.push(listener.port);
  }
  const proxy = await startProxy(ports);
  cleanups.push(() => proxy.close());

  const cutting = cutAtRandom(proxy, random);

  const started = Date.now();
  const failures: string[] = [];
  const wrong: string[] = [];
  let settled = 0;
  // Calls are made in waves of 25 per client; one in ten is slow (20–60 ms), so cuts often catch it running.
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      const client = createClient(api, { url: proxy.url, reconnect: { initialDelayMs: 5, maxDelayMs: 50 } });
      cleanups.push(() => client.$close());
      for (let base = 0; base < CALLS / CLIENTS; base += 25) {
        await Promise.all(
          Array.from({ length: 25 }, async (_, j) => {
            const key = `c${c}-${base + j}`;
            const ms = random() < 0.1 ? 20 + Math.floor(random() * 40) : undefined;
            try {
              const out = await client.jobs.run(ms === undefined ? { key } : { key, ms });
              if (out.key !== key || out.runs !== 1) wrong.push(`${key}: ${JSON.stringify(out)}`);
            } catch (err) {
              failures.push(`${key}: ${(err as { code?: string }).code ?? String(err)}`);
            }
            settled++;
          }),
        );
      }
    }),
  );
  const cuts = await cutting.stop();

  const ranTwice = [...runs.values()].filter((n) => n > 1).length;
  const neverRan = CALLS - runs.size;
  console.log(
    `redis sessions chaos seed=${SEED} nodes=${NODES} cuts=${cuts} connections=${proxy.accepted} time=${Date.now() - started}ms | ` +
      `calls=${CALLS} settled=${settled} failed=${failures.length} wrong=${wrong.length} ranTwice=${ranTwice} neverRan=${neverRan}`,
  );
  expect(failures.slice(0, 5)).toEqual([]);
  expect(wrong.slice(0, 5)).toEqual([]);
  expect({ settled, ranTwice, neverRan }).toStrictEqual({ settled: CALLS, ranTwice: 0, neverRan: 0 });
  expect(cuts).toBeGreaterThan(5);
  expect(proxy.accepted).toBeGreaterThan(CLIENTS * 3); // reconnects happened, across the three nodes
  expect(ranOn.size).toBe(NODES);
});
