/**
 * Ackwire servers on RedisSessionStore, spoken to with raw frames: a session made on one node resumes on
 * another with its stored outcomes (a re-sent call is not run again), and a Redis that goes away makes calls
 * fail with UNAVAILABLE instead of running without dedupe, with the server still serving.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { isAckwireError } from '@ackwire/core';
import { createRedisSessionStore, type AnyRedisClient, type RedisSessionStore } from '@ackwire/redis';
import { harness, type Harness } from '../../../test/helpers/reliability.js';
import { RawClient, type Frame } from '../../../test/helpers/raw-client.js';
import { skipWithoutRedis, startRedis, type RedisServer } from '../../../test/helpers/redis-server.js';

const skip = skipWithoutRedis('packages/redis/test/server-on-redis-sessions.test.ts');
const quiet = { error: () => undefined, warn: () => undefined };

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function redis(persistence = false): Promise<RedisServer> {
  const r = await startRedis({ persistence });
  cleanup.push(() => r.stop());
  return r;
}

/** A server process of its own: its own store (its own Redis connection) and handler counts. */
async function node(r: RedisServer, leaseMs?: number, maxRetainedCalls?: number): Promise<{ h: Harness; store: RedisSessionStore }> {
  const store = await createRedisSessionStore({ url: r.url, logger: quiet, commandTimeoutMs: 500, leaseMs, maxRetainedCalls });
  const h = await harness({ sessionStore: store });
  cleanup.push(() => store.close(), () => h.close());
  return { h, store };
}

async function raw(h: Harness): Promise<RawClient> {
  const c = await RawClient.open(`ws://127.0.0.1:${h.port}/`, ['ackwire.v1.json']);
  cleanup.push(() => c.close());
  return c;
}

describe.skipIf(skip)('servers on RedisSessionStore', () => {
  it('keep a slow call\'s outcome across nodes however many quick calls beside it are acknowledged by range; refuse new calls at maxRetainedCalls unacknowledged', async () => {
    const r = await redis();
    const [a, b] = [await node(r, undefined, 4), await node(r, undefined, 4)];
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => (finish = resolve));
    a.h.during.set('slow', () => gate);
    const first = await raw(a.h);
    const welcome = await first.hello(a.h.server.fingerprint);
    first.send([3, 1, 'jobs.run', { key: 'slow' }]);
    expect(await first.next()).toStrictEqual([4, 1]);
    for (let id = 2; id <= 12; id++) {
      first.send([3, id, 'jobs.run', { key: `q${id}` }]);
      expect(await first.next()).toStrictEqual([5, id, { key: `q${id}`, runs: 1 }]);
      first.send([12, 1, [2, id]]); // the watermark stays at the running call
    }
    finish();
    expect(await first.next()).toStrictEqual([5, 1, { key: 'slow', runs: 1 }]);
    first.close(); // as if that result had been lost on the way
    const [, , sessionId, token] = welcome as [number, number, string, string];
    const second = await raw(b.h);
    await second.hello(b.h.server.fingerprint, null, [sessionId, token]);
    second.send([3, 1, 'jobs.run', { key: 'slow' }]);
    expect(await second.next()).toStrictEqual([5, 1, { key: 'slow', runs: 1 }]); // stored, not run again
    for (const id of [13, 14, 15]) {
      second.send([3, id, 'jobs.run', { key: `q${id}` }]);
      expect(await second.next()).toStrictEqual([5, id, { key: `q${id}`, runs: 1 }]);
    }
    second.send([3, 16, 'jobs.run', { key: 'q16' }]); // four outcomes unacknowledged (1, 13, 14, 15): refused
    expect((await second.next()).slice(0, 4)).toStrictEqual([6, 16, 'TOO_MANY_REQUESTS', 'Too many unacknowledged outcomes']);
    second.send([12, 1, [13, 15]]);
    second.send([3, 16, 'jobs.run', { key: 'q16' }]);
    expect(await second.next()).toStrictEqual([5, 16, { key: 'q16', runs: 1 }]);
    expect([a.h.runs.get('slow'), b.h.runs.get('slow'), b.h.runs.get('q16')]).toStrictEqual([1, undefined, 1]);
  });

  it('resume a session on another node: the welcome has its last id and a re-sent call gets the stored outcome, not a second run', async () => {
    const r = await redis();
    const [a, b] = [await node(r), await node(r)];
    const first = await raw(a.h);
    const welcome = await first.hello(a.h.server.fingerprint);
    first.send([3, 1, 'jobs.run', { key: 'k' }]);
    expect(await first.next()).toStrictEqual([5, 1, { key: 'k', runs: 1 }]);
    first.close();
    const [, , sessionId, token] = welcome as [number, number, string, string];
    const second = await raw(b.h);
    const resumed = await second.hello(b.h.server.fingerprint, null, [sessionId, token]);
    expect(resumed.slice(2, 6)).toStrictEqual([sessionId, token, 1, 1]); // resumed, last id 1
    second.send([3, 1, 'jobs.run', { key: 'k' }]);
    expect(await second.next()).toStrictEqual([5, 1, { key: 'k', runs: 1 }]);
    second.send([3, 2, 'jobs.run', { key: 'k2' }]);
    expect(await second.next()).toStrictEqual([5, 2, { key: 'k2', runs: 1 }]);
    expect([a.h.runs.get('k'), b.h.runs.get('k'), b.h.runs.get('k2')]).toStrictEqual([1, undefined, 1]);
  });

  it('forward a call\'s outcome to the node its client resumed on while the call still ran on the first node, run once', async () => {
    const r = await redis();
    const [a, b] = [await node(r), await node(r)];
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => (finish = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    a.h.during.set('slow', () => {
      started();
      return gate;
    });
    const first = await raw(a.h);
    const welcome = await first.hello(a.h.server.fingerprint);
    first.send([3, 1, 'jobs.run', { key: 'slow' }]);
    await running;
    const [, , sessionId, token] = welcome as [number, number, string, string];
    const second = await raw(b.h);
    await second.hello(b.h.server.fingerprint, null, [sessionId, token]);
    second.send([3, 1, 'jobs.run', { key: 'slow' }]); // the client re-sends its pending call on node B
    await expect.poll(() => b.store.waitingSessions, { timeout: 10_000 }).toBe(1);
    finish();
    expect(await second.next(10_000)).toStrictEqual([5, 1, { key: 'slow', runs: 1 }]);
    expect([a.h.runs.get('slow'), b.h.runs.get('slow')]).toStrictEqual([1, undefined]);
  });

  it('settle a call with RESULT_UNKNOWN, never a second run, when the node running it dies after its client moved on', async () => {
    const r = await redis();
    const doomed = createClient({ url: r.url, disableOfflineQueue: true });
    doomed.on('error', () => undefined);
    const storeA = await createRedisSessionStore({ client: doomed as unknown as AnyRedisClient, logger: quiet, leaseMs: 400 });
    const a = await harness({ sessionStore: storeA });
    cleanup.push(() => storeA.close(), () => a.close());
    const b = await node(r, 400); // checks the node of a call it waits for every 200 ms
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    a.during.set('stuck', () => {
      started();
      return new Promise<void>(() => undefined); // never finishes: its node dies first
    });
    const client = a.client();
    const sessions: Array<{ sessionId: string; resumed: boolean }> = [];
    client.$on('session', (e) => sessions.push(e));
    await expect.poll(() => sessions.length, { timeout: 10_000 }).toBe(1); // the client holds its session
    const call = client.jobs.run({ key: 'stuck' });
    const settled = call.then(
      () => 'result',
      (err: unknown) => (isAckwireError(err) ? err.code : String(err)),
    );
    await running;
    a.proxy.retarget(b.h.port);
    a.proxy.cut(); // the client resumes on node B and re-sends the call there
    await expect.poll(() => b.store.waitingSessions, { timeout: 10_000 }).toBe(1);
    doomed.destroy(); // node A dies: its liveness key expires after leaseMs
    expect(await settled).toBe('RESULT_UNKNOWN');
    expect(sessions.map((e) => e.resumed)).toStrictEqual([false, true, false]); // resumed on B, then a new session
    expect([a.runs.get('stuck'), b.h.runs.get('stuck')]).toStrictEqual([1, undefined]);
    expect((await client.jobs.run({ key: 'after' })).runs).toBe(1); // the client carries on in a new session
  });

  it('close a connection whose session Redis lost (restarted without its data) instead of leaving its call unanswered', async () => {
    const r = await redis();
    const { h } = await node(r);
    const c = await raw(h);
    await c.hello(h.server.fingerprint);
    await r.cli('FLUSHALL');
    c.send([3, 1, 'jobs.run', { key: 'lost' }]);
    expect((await c.closed).code).toBe(4500);
    expect(h.runs.get('lost')).toBeUndefined();
  });

  it('answer calls with UNAVAILABLE while Redis is down, keep serving, and run them once when it is back', async () => {
    const r = await redis(true);
    const { h } = await node(r);
    const c = await raw(h);
    await c.hello(h.server.fingerprint);
    await r.halt();
    c.send([3, 1, 'jobs.run', { key: 'down' }]);
    const refused = (await c.next(5000)) as Frame;
    expect(refused.slice(0, 3)).toStrictEqual([6, 1, 'UNAVAILABLE']);
    expect(h.runs.get('down')).toBeUndefined(); // not run without its claim
    c.send([14]);
    expect(await c.next()).toStrictEqual([15]); // the connection and the server carry on
    const late = await raw(h);
    late.send([1, 1, h.server.fingerprint, null]);
    const closed = await late.closed; // a hello cannot get a session: refused, not hung
    expect(closed.code).toBeGreaterThanOrEqual(1000);
    await r.start();
    await expect
      .poll(
        async () => {
          c.send([3, 1, 'jobs.run', { key: 'down' }]);
          return JSON.stringify((await c.next(5000)).slice(0, 2));
        },
        { timeout: 20_000, interval: 200 },
      )
      .toBe(JSON.stringify([5, 1]));
    c.send([3, 1, 'jobs.run', { key: 'down' }]);
    expect(await c.next()).toStrictEqual([5, 1, { key: 'down', runs: 1 }]);
    expect(h.runs.get('down')).toBe(1);
  });
});
