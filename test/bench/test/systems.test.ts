/**
 * The benchmark's adapters over real sockets on 127.0.0.1: every system echoes calls intact, delivers each
 * published event once to every subscriber, and keeps counters that agree with what the clients saw. Keeps
 * the benchmark honest when a system's API moves.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isEcho, makeInput, timedEvent } from '../src/payload.js';
import { SYSTEMS, loadClient, startServer } from '../src/systems/index.js';
import type { BenchServer } from '../src/systems/types.js';
import { Samples, quantile } from '../src/stats.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  for (const deadline = Date.now() + ms; !check(); ) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

// Systems on Redis are tested with a redis-server in redis-systems.test.ts.
describe.each(SYSTEMS.filter((s) => !s.needsRedis).map((s) => [s.name, s] as const))('%s', (_name, spec) => {
  let server: BenchServer;

  const start = async () => {
    server = await startServer(spec.server);
    cleanups.push(() => server.close());
    return loadClient(spec.client);
  };

  it('echoes concurrent calls intact, and the server counts each once', async () => {
    const client = await start();
    const conn = await client.connect(server.url);
    cleanups.push(() => conn.close());
    const inputs = Array.from({ length: 20 }, (_, i) => makeInput(i + 1));
    const replies = await Promise.all(inputs.map((input) => conn.call(input)));
    replies.forEach((reply, i) => expect(isEcho(inputs[i]!, reply)).toBe(true));
    await conn.ready;
    expect(isEcho(inputs[0]!, replies[1])).toBe(false);
    expect(server.counters()).toMatchObject({ calls: 20, connections: 1, open: 1 });
  });

  // A calls-only system (the hand-written protocol client of workload D) has no subscriptions to test.
  if (!spec.callsOnly) {
    it('delivers every published event once to every subscriber', async () => {
      const client = await start();
      const got: number[][] = [[], [], []];
      for (const list of got) {
        const sub = await client.subscribe(server.url, (event) => list.push(timedEvent(event)?.seq ?? 0));
        cleanups.push(() => sub.close());
      }
      await until(() => server.counters().subscribers === 3);
      for (let seq = 1; seq <= 5; seq++) await server.publish(seq);
      await until(() => got.every((list) => list.length >= 5));
      await new Promise((r) => setTimeout(r, 50));
      for (const list of got) expect(list).toEqual([1, 2, 3, 4, 5]);
      expect(server.counters()).toMatchObject({ subscribers: 3, published: 5 });
    });
  }
});

describe('ackwire-unchecked', () => {
  // The variant exists to show what validation costs: it must skip the checks the default system runs.
  it.each([
    ['ackwire', false],
    ['ackwire-unchecked', true],
  ] as const)('%s accepts an input its contract\'s Echo schema refuses: %s', async (name, accepted) => {
    const spec = SYSTEMS.find((s) => s.name === name)!;
    const server = await startServer(spec.server);
    cleanups.push(() => server.close());
    const conn = await (await loadClient(spec.client)).connect(server.url);
    cleanups.push(() => conn.close());
    const input = { ...makeInput(1), user: 'u'.repeat(65) }; // Echo allows 64
    const outcome = await conn.call(input).then(
      (reply) => isEcho(input, reply),
      (err: unknown) => (err as { code?: string }).code,
    );
    expect(outcome).toBe(accepted ? true : 'BAD_REQUEST');
    expect(server.counters().calls).toBe(accepted ? 1 : 0);
  });
});

describe('stats', () => {
  it('takes nearest-rank percentiles', () => {
    const s = new Samples();
    for (let i = 1; i <= 1000; i++) s.add(1001 - i);
    expect(s.percentiles()).toEqual({ p50: 500, p99: 990, p999: 999 });
    expect(quantile([], 0.5)).toBeNaN();
  });
});
