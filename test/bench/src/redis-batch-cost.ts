/**
 * Where Redis spends its time on the session store's calls, as docs/benchmarks.md (workload F) quotes it:
 *
 *   npx tsx src/redis-batch-cost.ts          (in test/bench, after `npm run build`; starts its own redis-server)
 *
 * 50 sessions make 400 calls each through the store, with an ack per session every 64 calls as the reference
 * client sends, twice: first one call per session per turn (each batch holds one claim, then one outcome,
 * of every session: 50 operations), then 16 calls per session per turn (each batch holds 16 claims, then 16
 * outcomes, of every session, as workload F's batches hold about 14; a batch joins one session's into one
 * script call). From INFO commandstats, for each: the EVALSHA time per call (everything Redis does for it)
 * and the part of it spent in the commands the scripts run.
 */
import { commandStats, resultFrame, withRedisStore } from './redis-store-run.js';

const SESSIONS = 50;
const CALLS = 400;

await withRedisStore(async ({ store, client }) => {
  for (const perTurn of [1, 16]) {
    const sessions = await Promise.all(Array.from({ length: SESSIONS }, () => store.create()));
    await client.sendCommand(['CONFIG', 'RESETSTAT']);
    for (let first = 1; first <= CALLS; first += perTurn) {
      const ids = Array.from({ length: perTurn }, (_, i) => first + i);
      await Promise.all(sessions.flatMap((s) => ids.map((id) => store.claim(s.id, 1, id))));
      await Promise.all(sessions.flatMap((s) => ids.map((id) => store.complete(s.id, id, resultFrame(id)))));
      const last = first + perTurn - 1;
      if (Math.floor(last / 64) > Math.floor((first - 1) / 64)) await Promise.all(sessions.map((s) => store.confirm(s.id, last + 1)));
    }
    const usec = commandStats(String(await client.sendCommand(['INFO', 'commandstats'])));
    const calls = SESSIONS * CALLS;
    const evalsha = usec.get('evalsha')!;
    let inner = 0;
    for (const [name, s] of usec) if (name !== 'evalsha' && name !== 'config|resetstat') inner += s.usec;
    console.log(`${perTurn} call(s) per session per turn: ${calls} calls in ${evalsha.calls} batch scripts (${((2 * calls) / evalsha.calls).toFixed(0)} operations each)`);
    console.log(`  EVALSHA time per call: ${(evalsha.usec / calls).toFixed(2)} µs, of which the commands inside: ${(inner / calls).toFixed(2)} µs`);
  }
});
