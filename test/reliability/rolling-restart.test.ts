/**
 * A rolling restart under load on Redis: three server processes (test/helpers/drain-node.ts) share one
 * real redis-server (RedisSessionStore and RedisBroker) behind a round-robin proxy standing in for the load
 * balancer. Clients make calls all the time (one in eight slow, so drains catch them running; most not
 * idempotent) and three of them follow a topic that is published to all along. Each node in turn is taken
 * out of the balancer's pool, sent SIGTERM (it drains: `server.close()`), and replaced by a new process.
 * Side effects are counted in Redis by the handlers of every node, restarted ones included.
 *
 * Asserted: every call settles with its result (0 lost, 0 RESULT_UNKNOWN or other errors), every handler
 * ran exactly once (0 doubled, 0 never run), every subscriber got every event once, in offset order, with
 * no gap. Seeded (CHAOS_SEED), bounded in time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createClient as createAckwireClient, type CloseInfo } from '@ackwire/client';
import { createRedisBroker } from '@ackwire/redis';
import { createServer } from '@ackwire/server';
import { createClient as createRedisClient } from 'redis';
import { afterAll, expect, it } from 'vitest';
import { listeningPort } from '../helpers/listening-port.js';
import { seeded, startProxy } from '../helpers/proxy.js';
import { api } from '../helpers/reliability.js';
import { skipWithoutRedis, startRedis } from '../helpers/redis-server.js';

const NODES = 3;
const CLIENTS = 6;
const SUBSCRIBERS = 3;
/** Calls settled between two restarts, so that every node serves traffic before it drains. */
const CALLS_BETWEEN = 400;
const SEED = Number(process.env.CHAOS_SEED ?? 20261204);
const NODE_MAIN = fileURLToPath(new URL('../helpers/drain-node.ts', import.meta.url));
const skip = skipWithoutRedis('test/reliability/rolling-restart.test.ts');
const quiet = { error: () => undefined, warn: () => undefined };
const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface Node {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<number | null>;
  output(): string;
}

async function startNode(redisUrl: string): Promise<Node> {
  const child = spawn(process.execPath, ['--import', 'tsx', NODE_MAIN], { env: { ...process.env, REDIS_URL: redisUrl }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanups.push(() => (child.exitCode === null && child.signalCode === null ? child.kill('SIGKILL') : undefined));
  return { child, port: await listeningPort(child), exited, output: () => out };
}

/** Resolves with `promise`, or fails naming `what` after `ms`. */
function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

it.skipIf(skip)(`a rolling restart of three nodes under load: nothing lost, doubled or unknown, events in order (seed ${SEED})`, { timeout: 180_000 }, async () => {
  const random = seeded(SEED);
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  const nodes: Node[] = [];
  for (let i = 0; i < NODES; i++) nodes.push(await startNode(redis.url));
  const proxy = await startProxy(nodes.map((n) => n.port));
  cleanups.push(() => proxy.close());

  // Events are published from a server of this process that serves no client: it only writes the stream.
  const broker = await createRedisBroker({ url: redis.url, logger: quiet });
  const publisher = createServer(api, { logger: quiet, broker, handlers: { jobs: { run: ({ key }) => ({ key, runs: 0 }), retryable: ({ key }) => ({ key, runs: 0 }), feed: ({ topic }) => topic } } });
  cleanups.push(() => broker.close(), () => publisher.close());

  const clients = Array.from({ length: CLIENTS }, () => {
    const client = createAckwireClient(api, { url: proxy.url, reconnect: { initialDelayMs: 20, maxDelayMs: 200, wakeJitterMs: 50 } });
    cleanups.push(() => client.$close());
    return client;
  });
  const closes: CloseInfo[] = [];
  for (const c of clients) c.$on('close', (info) => closes.push(info));

  const subs = await Promise.all(
    clients.slice(0, SUBSCRIBERS).map(
      (client) =>
        new Promise<{ offsets: number[]; values: number[]; gaps: number }>((resolve) => {
          const sub = { offsets: [] as number[], values: [] as number[], gaps: 0 };
          client.jobs.feed.subscribe(
            { topic: 'deploy' },
            {
              onData: (event, info) => {
                sub.offsets.push(info.offset);
                sub.values.push(event.n);
              },
              onStarted: (info) => {
                if (!info.recovered) sub.gaps++;
                resolve(sub);
              },
            },
          );
        }),
    ),
  );

  let loading = true;
  let published = 0;
  const publishFailures: string[] = [];
  const publishing = (async () => {
    while (loading) {
      const n = ++published;
      await publisher.publish(api.jobs.feed, 'deploy', { n }).catch((err: unknown) => publishFailures.push(`${n}: ${String(err)}`));
      await new Promise((r) => setTimeout(r, 10));
    }
  })();

  const keys: string[] = [];
  const failures: string[] = [];
  const wrong: string[] = [];
  let settled = 0;
  const calling = Promise.all(
    clients.map(async (client, c) => {
      for (let wave = 0; loading; wave++) {
        await Promise.all(
          Array.from({ length: 20 }, async (_, j) => {
            const key = `c${c}-${wave}-${j}`;
            keys.push(key);
            const draw = random();
            try {
              const out =
                draw < 0.25
                  ? await client.jobs.retryable({ key })
                  : await client.jobs.run(draw < 0.375 ? { key, ms: 50 + Math.floor(random() * 200) } : { key });
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

  const started = Date.now();
  const exits: Array<number | null> = [];
  for (let i = 0; i < NODES; i++) {
    const before = settled;
    await bounded(expect.poll(() => settled, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(before + CALLS_BETWEEN), 61_000, `load before restarting node ${i}`);
    // Out of the balancer's pool, then drained; its replacement joins the pool.
    proxy.setTargets(nodes.filter((_, k) => k !== i).map((n) => n.port));
    const old = nodes[i]!;
    old.child.kill('SIGTERM');
    const code = await bounded(old.exited, 30_000, `node ${i} draining`);
    exits.push(code);
    expect(old.output(), `node ${i} output`).toContain('drained');
    nodes[i] = await startNode(redis.url);
    proxy.setTargets(nodes.map((n) => n.port));
  }
  const after = settled;
  await bounded(expect.poll(() => settled, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(after + CALLS_BETWEEN), 61_000, 'load after the restarts');
  loading = false;
  await bounded(Promise.all([calling, publishing]), 60_000, 'the last calls and events');
  await bounded(
    expect.poll(() => Math.min(...subs.map((s) => s.offsets.length)), { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(published),
    31_000,
    'the last events reaching every subscriber',
  );

  const counter = createRedisClient({ url: redis.url });
  await counter.connect();
  const counts = await counter.mGet(keys.map((k) => `runs:${k}`));
  await counter.quit();
  const ranTwice = counts.filter((n) => Number(n) > 1).length;
  const neverRan = counts.filter((n) => n === null).length;
  const unknown = failures.filter((f) => f.endsWith('RESULT_UNKNOWN')).length;
  const restarts = closes.filter((c) => c.code === 1012).length;
  const report = subs.map((s) => {
    const distinct = new Set(s.offsets).size;
    return { delivered: s.offsets.length, lost: published - distinct, duplicates: s.offsets.length - distinct, inOrder: s.offsets.every((o, i) => o === i + 1), gaps: s.gaps };
  });
  console.log(
    `rolling restart seed=${SEED} nodes=${NODES} restarts=${exits.length} closes1012=${restarts} connections=${proxy.accepted} time=${Date.now() - started}ms | ` +
      `calls=${keys.length} settled=${settled} failed=${failures.length} resultUnknown=${unknown} wrong=${wrong.length} ranTwice=${ranTwice} neverRan=${neverRan} | ` +
      `events=${published} ${JSON.stringify(report)}`,
  );
  expect(exits).toEqual([0, 0, 0]);
  expect(failures.slice(0, 5)).toEqual([]);
  expect(wrong.slice(0, 5)).toEqual([]);
  expect(publishFailures.slice(0, 5)).toEqual([]);
  expect({ settled, ranTwice, neverRan, unknown }).toStrictEqual({ settled: keys.length, ranTwice: 0, neverRan: 0, unknown: 0 });
  expect(restarts).toBeGreaterThanOrEqual(CLIENTS); // every node's clients were told to move
  for (const r of report) expect(r).toMatchObject({ delivered: published, lost: 0, duplicates: 0, inOrder: true, gaps: 0 });
  expect(subs[1]!.values).toEqual(subs[0]!.values);
  expect(subs[2]!.values).toEqual(subs[0]!.values);
});
