/**
 * The Redis session store's memory per session and per stored outcome, and its Redis commands per call,
 * as docs/scaling.md quotes them:
 *
 *   npx tsx src/redis-session-memory.ts          (in test/bench, after `npm run build`; starts its own redis-server)
 *
 * Memory: MEMORY USAGE of 1,000 fresh sessions' keys, then of sessions holding 100 stored outcomes of a small
 * result frame. Commands: a real server on the store and a real client making 2,000 calls in batches of 100;
 * INFO commandstats before and after.
 */
import { createClient as createAckwireClient } from '@ackwire/client';
import { contract, procedure } from '@ackwire/core';
import { createRedisSessionStore } from '@ackwire/redis';
import { createServer } from '@ackwire/server';
import { listen } from '@ackwire/server/ws';
import { z } from 'zod';
import { commandStats, resultFrame, withRedisStore } from './redis-store-run.js';

const SESSIONS = 1000;
const OUTCOMES = 100;
const CALLS = 2000;

await withRedisStore(async ({ redis, store, client }) => {
  const usage = async (key: string): Promise<number> => Number((await client.sendCommand(['MEMORY', 'USAGE', key, 'SAMPLES', '0'])) ?? 0);

  const fresh = await Promise.all(Array.from({ length: SESSIONS }, () => store.create()));
  let empty = 0;
  for (const s of fresh) empty += await usage(store.keys(s.id).session);
  console.log(`a session (hash: token hash, generation, last id, watermark): ${(empty / SESSIONS).toFixed(0)} bytes`);

  let full = 0;
  for (const s of fresh.slice(0, 100)) {
    await Promise.all(Array.from({ length: OUTCOMES }, (_, i) => store.claim(s.id, 1, i + 1)));
    await Promise.all(Array.from({ length: OUTCOMES }, (_, i) => store.complete(s.id, i + 1, resultFrame(i + 1))));
    full += await usage(store.keys(s.id).session);
  }
  const perSession = full / 100;
  console.log(
    `a session with ${OUTCOMES} stored outcomes of ${resultFrame(50).length}-byte frames: ${perSession.toFixed(0)} bytes, ` +
      `${((perSession - empty / SESSIONS) / OUTCOMES).toFixed(1)} bytes per stored outcome`,
  );
  await store.close();

  const api = contract({ echo: procedure({ input: z.number(), output: z.number() }) });
  const sessionStore = await createRedisSessionStore({ url: redis.url });
  const server = createServer(api, { sessionStore, handlers: { echo: (n) => n } });
  const listener = await listen(server, { port: 0, host: '127.0.0.1' });
  const caller = createAckwireClient(api, { url: listener.url });
  await caller.echo(0);
  const stats = async (): Promise<Map<string, number>> => {
    const out = new Map<string, number>();
    for (const [cmd, { calls }] of commandStats(String(await client.sendCommand(['INFO', 'commandstats'])))) out.set(cmd, calls);
    return out;
  };
  const before = await stats();
  for (let i = 0; i < CALLS; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => caller.echo(i + j)));
  const after = await stats();
  const deltas = [...after].map(([cmd, n]) => [cmd, n - (before.get(cmd) ?? 0)] as const).filter(([cmd, d]) => d > 0 && cmd !== 'info');
  // commandstats counts the commands a script runs too; the round trips are the EVALSHA / EVAL calls.
  const trips = deltas.filter(([cmd]) => cmd === 'evalsha' || cmd === 'eval').reduce((sum, [, d]) => sum + d, 0);
  const inside = deltas.filter(([cmd]) => cmd !== 'evalsha' && cmd !== 'eval').reduce((sum, [, d]) => sum + d, 0);
  console.log(`${CALLS} calls: ${deltas.map(([cmd, d]) => `${cmd} ${d}`).join(', ')}`);
  console.log(`${(trips / CALLS).toFixed(2)} script calls (round trips, pipelined) per call, running ${(inside / CALLS).toFixed(2)} commands inside Redis per call`);
  caller.$close();
  await server.close();
  await sessionStore.close();
});
