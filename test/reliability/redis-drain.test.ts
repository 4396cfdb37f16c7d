/**
 * A drain on Redis: two Ackwire servers share a real redis-server (RedisSessionStore and RedisBroker); the
 * client reaches them through a proxy standing in for the load balancer. Node A drains while a call of the
 * client runs there: the client is closed with 1012, resumes its session on node B at once, and gets the
 * outcome A computes (stored in Redis, forwarded by B); the handler runs once, the session is not ended,
 * and the subscription continues on B from its offset without a gap.
 */
import { createClient, type CloseInfo } from '@ackwire/client';
import { createRedisBroker, createRedisSessionStore } from '@ackwire/redis';
import { createServer } from '@ackwire/server';
import { listen } from '@ackwire/server/ws';
import { afterAll, expect, it } from 'vitest';
import { startProxy } from '../helpers/proxy.js';
import { api } from '../helpers/reliability.js';
import { skipWithoutRedis, startRedis } from '../helpers/redis-server.js';

const skip = skipWithoutRedis('test/reliability/redis-drain.test.ts');
const quiet = { error: () => undefined, warn: () => undefined };
const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

it.skipIf(skip)('a node that drains hands its running call and its session to another node: one run, one outcome, no gap', { timeout: 60_000 }, async () => {
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  const runs = new Map<string, string[]>();
  const gates = new Map<string, () => void>();
  const started = new Map<string, () => void>();
  const nodes = await Promise.all(
    ['A', 'B'].map(async (name) => {
      const sessionStore = await createRedisSessionStore({ url: redis.url, logger: quiet });
      const broker = await createRedisBroker({ url: redis.url, logger: quiet });
      const server = createServer(api, {
        logger: quiet,
        sessionStore,
        broker,
        handlers: {
          jobs: {
            run: async ({ key }) => {
              runs.set(key, [...(runs.get(key) ?? []), name]);
              await new Promise<void>((resolve) => {
                gates.set(key, resolve);
                started.get(key)?.();
              });
              return { key, runs: runs.get(key)!.length };
            },
            retryable: ({ key }) => ({ key, runs: 1 }),
            feed: ({ topic }) => topic,
          },
        },
      });
      const listener = await listen(server, { port: 0 });
      cleanups.push(() => sessionStore.close(), () => broker.close(), () => server.close());
      return { server, listener };
    }),
  );
  const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
  const proxy = await startProxy(a.listener.port);
  cleanups.push(() => proxy.close());

  const client = createClient(api, { url: proxy.url, reconnect: { initialDelayMs: 5_000, maxDelayMs: 10_000, wakeJitterMs: 20 } });
  cleanups.push(() => client.$close());
  const sessions: Array<{ sessionId: string; resumed: boolean }> = [];
  const closes: CloseInfo[] = [];
  client.$on('session', (s) => sessions.push(s));
  client.$on('close', (c) => closes.push(c));
  const offsets: number[] = [];
  const values: number[] = [];
  const starts: boolean[] = [];
  await new Promise<void>((resolve) =>
    client.jobs.feed.subscribe(
      { topic: 'deploy' },
      {
        onData: (event, info) => {
          offsets.push(info.offset);
          values.push(event.n);
        },
        onStarted: (info) => {
          starts.push(info.recovered);
          resolve();
        },
      },
    ),
  );
  for (let n = 1; n <= 5; n++) await a.server.publish(api.jobs.feed, 'deploy', { n });
  await expect.poll(() => values.length, { timeout: 10_000 }).toBe(5);

  const onA = new Promise<void>((resolve) => started.set('slow', resolve));
  const slow = client.jobs.run({ key: 'slow' });
  await onA;

  // The load balancer sends new connections to B; A drains.
  proxy.retarget(b.listener.port);
  const draining = a.server.close();
  await expect.poll(() => sessions.length, { timeout: 10_000 }).toBe(2);
  expect(sessions[1]).toEqual({ sessionId: sessions[0]!.sessionId, resumed: true });
  expect(closes[0]).toMatchObject({ code: 1012, kind: 'server-restart', willRetry: true });
  expect(closes[0]!.retryInMs).toBeLessThan(20);

  // Events published on B while the call still runs on A.
  for (let n = 6; n <= 10; n++) await b.server.publish(api.jobs.feed, 'deploy', { n });
  gates.get('slow')!();
  await expect(slow).resolves.toEqual({ key: 'slow', runs: 1 });
  await draining;
  expect(runs.get('slow')).toEqual(['A']);

  // The session lives on in B after A closed: a new call runs there, in the same session.
  const afterward = client.jobs.run({ key: 'after' });
  await expect.poll(() => gates.has('after'), { timeout: 10_000 }).toBe(true);
  gates.get('after')!();
  await expect(afterward).resolves.toEqual({ key: 'after', runs: 1 });
  expect(runs.get('after')).toEqual(['B']);
  expect(sessions).toHaveLength(2);

  await expect.poll(() => values.length, { timeout: 10_000 }).toBe(10);
  expect(values).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  expect(offsets).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  expect(starts.every((recovered) => recovered)).toBe(true);
});
