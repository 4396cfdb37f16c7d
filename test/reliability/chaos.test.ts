/**
 * Chaos: a proxy between client and server cuts every connection at random intervals (20–200 ms) while the
 * client makes 10,000 calls and the server publishes 10,000 events. Nothing may be lost, doubled or reordered.
 * Seeded (CHAOS_SEED) and bounded in time.
 */
import { contract, procedure, subscription } from '@ackwire/core';
import { createClient } from '@ackwire/client';
import { createServer } from '@ackwire/server';
import { afterAll, expect, it } from 'vitest';
import { MemorySessionStore } from '@ackwire/server';
import { DelayedSessionStore } from '../helpers/async-session-store.js';
import { z } from 'zod';
import { cutAtRandom, seeded, startProxy } from '../helpers/proxy.js';
import { listen } from '@ackwire/server/ws';

const api = contract({
  chaos: {
    work: procedure({ input: z.object({ seq: z.number().int() }), output: z.object({ seq: z.number().int() }) }),
    feed: subscription({ input: z.object({}), event: z.object({ n: z.number().int() }) }),
  },
});

const CALLS = 10_000;
const EVENTS = 10_000;
const IN_FLIGHT = 200;
const SEED = Number(process.env.CHAOS_SEED ?? 20261123);
const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** The in-memory session store, and the same answering 0-3 turns of the event loop late and out of order
 * (turns rather than milliseconds: the connection waits for each claim, and 10,000 claims of a few ms each
 * would make this a test of patience). */
const STORES = [
  ['in-memory session store', () => ({})],
  ['asynchronous session store', () => ({ sessionStore: new DelayedSessionStore(new MemorySessionStore()) })],
] as const;

it.each(STORES)(`loses, doubles and reorders nothing across random cuts (seed ${SEED}, %s)`, { timeout: 90_000 }, async (_, store) => {
  const random = seeded(SEED);
  const runs = new Map<number, number>();
  const server = createServer(api, {
    ...store(),
    logger: { error: () => undefined, warn: () => undefined },
    handlers: {
      chaos: {
        work: async ({ seq }) => {
          runs.set(seq, (runs.get(seq) ?? 0) + 1);
          if (seq % 7 === 0) await new Promise((r) => setTimeout(r, 1 + (seq % 5)));
          return { seq };
        },
        feed: () => 'feed',
      },
    },
  });
  const listener = await listen(server, { port: 0 });
  cleanups.push(() => server.close());
  const proxy = await startProxy(listener.port);
  cleanups.push(() => proxy.close());

  const client = createClient(api, { url: proxy.url, reconnect: { initialDelayMs: 5, maxDelayMs: 50 } });
  cleanups.push(() => client.$close());
  const offsets: number[] = [];
  const values: number[] = [];
  let gaps = 0;
  await new Promise<void>((resolve) => {
    client.chaos.feed.subscribe(
      {},
      {
        onData: (event, info) => {
          offsets.push(info.offset);
          values.push(event.n);
        },
        onStarted: (info) => {
          if (!info.recovered) gaps++;
          resolve();
        },
      },
    );
  });

  const started = Date.now();
  const cutting = cutAtRandom(proxy, random);

  let published = 0;
  const publishLoop = (async () => {
    while (published < EVENTS) {
      for (let i = 0; i < 25 && published < EVENTS; i++) await server.publish(api.chaos.feed, 'feed', { n: ++published });
      await new Promise((r) => setTimeout(r, 5));
    }
  })();

  const results: number[] = [];
  const failures: unknown[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < CALLS) {
      const seq = next++;
      try {
        const out = await client.chaos.work({ seq });
        results.push(out.seq === seq ? seq : -1);
      } catch (err) {
        failures.push(err);
      }
    }
  };
  // Bounded: a run that stalls reports what it has instead of hanging.
  const deadline = new Promise((r) => setTimeout(r, 45_000));
  await Promise.race([Promise.all([Promise.all(Array.from({ length: IN_FLIGHT }, worker)), publishLoop]), deadline]);
  await Promise.race([expect.poll(() => offsets.length, { timeout: 60_000, interval: 50 }).toBeGreaterThanOrEqual(EVENTS), deadline]);
  const cuts = await cutting.stop();

  const twice = [...runs.values()].filter((n) => n > 1).length;
  const lostCalls = CALLS - results.filter((r) => r >= 0).length;
  const distinct = new Set(offsets).size;
  const inOrder = offsets.every((o, i) => o === i + 1) && values.every((v, i) => v === i + 1);
  console.log(
    `chaos seed=${SEED} cuts=${cuts} connections=${proxy.accepted} time=${Date.now() - started}ms | calls=${CALLS} lost=${lostCalls} ` +
      `failed=${failures.length} ranTwice=${twice} neverRan=${CALLS - runs.size} | events=${EVENTS} delivered=${offsets.length} ` +
      `lost=${EVENTS - distinct} duplicates=${offsets.length - distinct} inOrder=${inOrder} gaps=${gaps}`,
  );
  expect(failures).toEqual([]);
  expect(lostCalls).toBe(0);
  expect(twice).toBe(0);
  expect(runs.size).toBe(CALLS);
  expect(offsets.length).toBe(EVENTS);
  expect(distinct).toBe(EVENTS);
  expect(inOrder).toBe(true);
  expect(gaps).toBe(0);
  expect(cuts).toBeGreaterThan(5);
});
