/**
 * What the shared suite cannot see of RedisSessionStore: what its keys hold (the token only as a hash),
 * their expiry (leases renewed while a process holds a session, the retention window after a detach or
 * after that process is gone), fencing between two stores ("nodes") on one Redis, and Redis going away.
 */
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isAckwireError } from '@ackwire/core';
import { createClient } from 'redis';
import { createRedisSessionStore, SESSION_STORE_UNAVAILABLE, type AnyRedisClient, type RedisSessionStore, type RedisSessionStoreOptions } from '@ackwire/redis';
import { skipWithoutRedis, startRedis, type RedisServer } from '../../../test/helpers/redis-server.js';

const skip = skipWithoutRedis('packages/redis/test/redis-session-store.test.ts');
const quiet = { error: () => undefined, warn: () => undefined };
const FRAME = '[5,1,"out"]';

let redis: RedisServer | undefined;
const open: RedisSessionStore[] = [];

beforeAll(async () => {
  if (!skip) redis = await startRedis();
}, 30_000);
afterAll(async () => {
  await redis?.stop();
});
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

async function store(options: Partial<RedisSessionStoreOptions> = {}): Promise<RedisSessionStore> {
  const s = await createRedisSessionStore({ url: redis!.url, logger: quiet, ...options });
  open.push(s);
  return s;
}

const cli = async (...args: string[]): Promise<string> => (await redis!.cli(...args)).trim();
/** How often Redis ran each command so far (INFO commandstats): `calls('evalsha', 'hset')`. */
const calls = async (...commands: string[]): Promise<number[]> => {
  const info = await cli('INFO', 'commandstats');
  return commands.map((c) => Number(new RegExp(`cmdstat_${c}:calls=(\\d+)`).exec(info)?.[1] ?? 0));
};
const pttl = async (key: string): Promise<number> => Number(await cli('PTTL', key));

describe.skipIf(skip)('RedisSessionStore on a real redis-server', () => {
  it('sends the operations of many sessions issued in one turn as one script, each answered on its own', async () => {
    const s = await store();
    const sessions = await Promise.all(Array.from({ length: 40 }, () => s.create()));
    const evalshas = async (): Promise<number> => (await calls('evalsha'))[0]!;
    const before = await evalshas();
    // One turn: a claim per session, a second claim of the same id (running), and a claim with a stale generation.
    const claims = await Promise.all(sessions.flatMap((x) => [s.claim(x.id, 1, 7), s.claim(x.id, 1, 7), s.claim(x.id, 0, 8)]));
    expect(await evalshas()).toBe(before + 1);
    expect(claims.map((c) => c.state)).toStrictEqual(sessions.flatMap(() => ['new', 'running', 'fenced']));
    await Promise.all(sessions.map((x) => s.complete(x.id, 7, FRAME)));
    expect((await s.claim(sessions[0]!.id, 1, 7)).state).toBe('finished');
  });

  it("reads and writes a session's hash once for all its claims of a turn, and once for all its outcomes", async () => {
    const s = await store();
    const sessions = await Promise.all(Array.from({ length: 15 }, () => s.create()));
    const stats = (): Promise<number[]> => calls('evalsha', 'hmget', 'hset');
    const delta = (a: number[], b: number[]): number[] => b.map((n, i) => n - a[i]!);
    const ids = Array.from({ length: 16 }, (_, i) => i + 1);
    const before = await stats();
    const claims = await Promise.all(sessions.flatMap((x) => ids.map((id) => s.claim(x.id, 1, id))));
    const claimed = await stats();
    await Promise.all(sessions.flatMap((x) => ids.map((id) => s.complete(x.id, id, `[5,${id},"out"]`))));
    const completed = await stats();
    expect(claims.every((c) => c.state === 'new')).toBe(true);
    // 240 claims: one script call, and per session one HMGET and one HSET.
    expect(delta(before, claimed)).toStrictEqual([1, 15, 15]);
    expect(delta(claimed, completed)).toStrictEqual([1, 15, 15]);
    for (const x of sessions) expect(await s.claim(x.id, 1, 16)).toStrictEqual({ state: 'finished', frame: '[5,16,"out"]' });
    expect(await s.retained(sessions[0]!.id)).toBe(16);
  });

  it("fails every claim joined into one script call when Redis refuses it, and only those", async () => {
    const s = await store();
    const [broken, healthy] = await Promise.all([s.create(), s.create()]);
    await cli('SET', s.keys(broken.id).session, 'not a hash'); // HMGET on it: WRONGTYPE
    const claims = [1, 2, 3].map((id) => s.claim(broken.id, 1, id));
    const other = s.claim(healthy.id, 1, 1);
    for (const claim of claims) {
      const err = await claim.then(() => undefined, (e: unknown) => e);
      expect(isAckwireError(err) && err.code).toBe('UNAVAILABLE');
      expect(String((err as Error).cause)).toContain('WRONGTYPE');
    }
    expect(await other).toStrictEqual({ state: 'new' });
  });

  it('stores the resume token only as its SHA-256: no key or value holds the token', async () => {
    const s = await store();
    const session = await s.create();
    await s.claim(session.id, 1, 1);
    await s.complete(session.id, 1, FRAME);
    const keys = (await cli('--scan', '--pattern', `*${session.id}*`)).split('\n').sort();
    expect(keys).toStrictEqual([s.keys(session.id).session]);
    const fields = (await cli('HGETALL', s.keys(session.id).session)).split('\n');
    expect(fields.join(' ')).not.toContain(session.token);
    expect(fields[fields.indexOf('h') + 1]).toBe(createHash('sha256').update(session.token).digest('hex'));
    expect(await cli('DUMP', s.keys(session.id).session)).not.toContain(session.token);
  });

  it('puts the key and the channel of a session in one cluster slot, whatever the id a client sends', async () => {
    const s = await store();
    for (const id of ['plain', 'a}b{c', '', '{x}', '%7D']) {
      const k = s.keys(id);
      const tag = (key: string): string => /\{([^}]*)\}/.exec(key)![1] ?? '';
      expect(tag(k.session)).toBe(tag(k.channel));
      expect(tag(k.session).length).toBeGreaterThan(0);
    }
    expect(s.keys('a}b').session).not.toBe(s.keys('a').session);
  });

  it('gives a held session a key that expires retentionMs + leaseMs after the last renewal, and renews it', async () => {
    const s = await store({ retentionMs: 100, leaseMs: 1000 });
    const session = await s.create();
    await s.claim(session.id, 1, 1);
    await s.complete(session.id, 1, FRAME);
    const key = s.keys(session.id).session;
    const first = await pttl(key);
    expect(first).toBeGreaterThan(100);
    expect(first).toBeLessThanOrEqual(1100);
    // The renewal (every leaseMs / 2) sets the expiry back up: seen as a PTTL higher than an earlier one.
    let low = first;
    await expect
      .poll(async () => {
        const now = await pttl(key);
        const renewed = now > low;
        low = Math.min(low, now);
        return renewed;
      }, { timeout: 10_000, interval: 50 })
      .toBe(true);
  });

  it('lets a detached session expire after retentionMs, and a resume gives it the lease again', async () => {
    const s = await store({ retentionMs: 60_000, leaseMs: 60_000 });
    const session = await s.create();
    const key = s.keys(session.id).session;
    await s.detach(session.id, 1);
    expect(await pttl(key)).toBeLessThanOrEqual(60_000);
    expect(s.heldCount).toBe(0);
    await s.resume(session.id, session.token);
    expect(await pttl(key)).toBeGreaterThan(60_000);
    expect(s.heldCount).toBe(1);
  });

  it('keeps the session of a process that is gone (no detach) until its lease runs out, resumable meanwhile', async () => {
    const a = await store({ retentionMs: 100, leaseMs: 400 });
    const session = await a.create();
    await a.close(); // the process is gone without a word: nobody renews the lease
    const key = a.keys(session.id).session;
    expect(await cli('EXISTS', key)).toBe('1');
    await expect.poll(() => cli('EXISTS', key), { timeout: 10_000, interval: 50 }).toBe('0');
    const b = await store({ retentionMs: 100, leaseMs: 400 });
    expect(await b.resume(session.id, session.token)).toBeUndefined();
  });

  it('fences a node whose session another node took over: its claims, detach and end change nothing; its outcome is kept', async () => {
    const nodeA = await store({ retentionMs: 60_000, leaseMs: 60_000 });
    const nodeB = await store({ retentionMs: 60_000, leaseMs: 60_000 });
    const session = await nodeA.create();
    expect(await nodeA.claim(session.id, 1, 1)).toStrictEqual({ state: 'new' });
    const taken = await nodeB.resume(session.id, session.token);
    expect(taken?.generation).toBe(2);
    expect(await nodeA.claim(session.id, 1, 2)).toStrictEqual({ state: 'fenced' });
    expect(nodeA.heldCount).toBe(0); // a fenced claim tells node A it no longer holds the session
    expect(await nodeB.claim(session.id, 2, 2)).toStrictEqual({ state: 'new' }); // A's fenced claim recorded nothing
    const key = nodeA.keys(session.id).session;
    await nodeA.detach(session.id, 1);
    expect(await pttl(key)).toBeGreaterThan(60_000); // still on node B's lease
    await nodeA.end(session.id, 1);
    await nodeA.complete(session.id, 1, FRAME); // the call A ran keeps its outcome
    expect(await nodeB.claim(session.id, 2, 1)).toStrictEqual({ state: 'finished', frame: FRAME });
  });

  it('releases outcomes by range and counts the ones not acknowledged; running calls and the watermark stay', async () => {
    const s = await store();
    const session = await s.create();
    for (let id = 1; id <= 10; id++) await s.claim(session.id, 1, id);
    for (const id of [1, 2, 4, 5, 6, 8, 9, 10]) await s.complete(session.id, id, `[5,${id},0]`);
    expect(await s.retained(session.id)).toBe(8);
    expect(await s.confirmRanges(session.id, [[2, 3], [5, 9]])).toBe(5); // 2, 5, 6, 8, 9
    expect(await s.retained(session.id)).toBe(3);
    expect(await s.claim(session.id, 1, 3)).toStrictEqual({ state: 'running' });
    expect(await s.claim(session.id, 1, 7)).toStrictEqual({ state: 'running' });
    expect(await s.claim(session.id, 1, 1)).toStrictEqual({ state: 'finished', frame: '[5,1,0]' });
    expect(await s.claim(session.id, 1, 10)).toStrictEqual({ state: 'finished', frame: '[5,10,0]' });
    expect(await s.claim(session.id, 1, 2)).toStrictEqual({ state: 'new' }); // a range is not a watermark
    expect(await s.confirmRanges('no-such-session', [[1, 5]])).toBe(0);
  });

  it('forgets the outcome of a call the watermark passed while it ran (the client no longer waits for it)', async () => {
    const s = await store();
    const session = await s.create();
    await s.claim(session.id, 1, 1);
    await s.confirm(session.id, 2);
    await s.complete(session.id, 1, FRAME);
    expect(await s.retained(session.id)).toBe(0);
    expect(await s.claim(session.id, 1, 1)).toStrictEqual({ state: 'confirmed' });
  });
});

describe.skipIf(skip)('RedisSessionStore: outcomes of calls that run on another node', () => {
  it('hands a waiting node the outcome the running node stores, once, and ends the channel subscription', async () => {
    const nodeA = await store();
    const nodeB = await store();
    const session = await nodeA.create();
    await nodeA.claim(session.id, 1, 1);
    const taken = await nodeB.resume(session.id, session.token);
    expect(await nodeB.claim(session.id, taken!.generation, 1)).toStrictEqual({ state: 'running' });
    const waiting = nodeB.awaitOutcome(session.id, 1);
    const subscribed = async () => Number((await cli('PUBSUB', 'SHARDNUMSUB', nodeB.keys(session.id).channel)).split('\n')[1]);
    await expect.poll(subscribed, { timeout: 10_000 }).toBe(1);
    await nodeA.complete(session.id, 1, FRAME);
    expect(await waiting).toStrictEqual({ state: 'finished', frame: FRAME });
    await expect.poll(subscribed, { timeout: 10_000 }).toBe(0);
  });

  it('answers at once for an outcome stored before the wait began, and none when no outcome will come', async () => {
    const nodeA = await store();
    const nodeB = await store({ outcomeWaitMs: 60_000 });
    const session = await nodeA.create();
    await nodeA.claim(session.id, 1, 1);
    await nodeA.complete(session.id, 1, FRAME);
    expect(await nodeB.awaitOutcome(session.id, 1)).toStrictEqual({ state: 'finished', frame: FRAME });
    await nodeA.claim(session.id, 1, 2);
    const released = nodeB.awaitOutcome(session.id, 2);
    await nodeA.release(session.id, 2); // refused without running: no outcome will come
    expect(await released).toStrictEqual({ state: 'none' });
    await nodeA.claim(session.id, 1, 3);
    const ended = nodeB.awaitOutcome(session.id, 3);
    await nodeA.end(session.id);
    expect(await ended).toStrictEqual({ state: 'none' });
  });

  it('answers lost when the node running the call stops (its liveness key is gone), at once after a close', async () => {
    const nodeA = await store();
    const nodeB = await store({ outcomeWaitMs: 60_000 });
    const session = await nodeA.create();
    await nodeA.claim(session.id, 1, 1);
    const waiting = nodeB.awaitOutcome(session.id, 1);
    await expect.poll(() => nodeB.waitingSessions, { timeout: 10_000 }).toBe(1);
    await nodeA.close(); // the process stops: its claims will not finish
    expect(await waiting).toStrictEqual({ state: 'lost' });
  });

  it('answers lost when the node running the call was killed (its liveness key expired after leaseMs)', async () => {
    const client = createClient({ url: redis!.url, disableOfflineQueue: true });
    client.on('error', () => undefined);
    const nodeA = await store({ client: client as unknown as AnyRedisClient, leaseMs: 300 });
    const nodeB = await store({ leaseMs: 300, outcomeWaitMs: 60_000 });
    const session = await nodeA.create();
    await nodeA.claim(session.id, 1, 1);
    expect(await cli('EXISTS', `ackwire:node:{${nodeA.nodeId}}`)).toBe('1');
    const waiting = nodeB.awaitOutcome(session.id, 1);
    client.destroy(); // killed: node A reaches Redis no more, no goodbye; its liveness key expires on its own
    expect(await waiting).toStrictEqual({ state: 'lost' });
  });

  it('gives up after outcomeWaitMs when the call never finishes (the node running it may be gone)', async () => {
    const nodeA = await store();
    const nodeB = await store({ outcomeWaitMs: 200 });
    const session = await nodeA.create();
    await nodeA.claim(session.id, 1, 1);
    expect(await nodeB.awaitOutcome(session.id, 1)).toStrictEqual({ state: 'none' });
  });
});

describe.skipIf(skip)('RedisSessionStore when Redis is unavailable', () => {
  it('rejects every operation with UNAVAILABLE, the Redis error as its cause, and works again when Redis is back', async () => {
    const r = await startRedis({ persistence: true });
    try {
      const s = await createRedisSessionStore({ url: r.url, logger: quiet, commandTimeoutMs: 500 });
      open.push(s);
      const session = await s.create();
      await r.halt();
      const failures = await Promise.allSettled([s.create(), s.resume(session.id, session.token), s.claim(session.id, 1, 1), s.complete(session.id, 1, FRAME), s.confirm(session.id, 1)]);
      for (const f of failures) {
        expect(f.status).toBe('rejected');
        const err = (f as PromiseRejectedResult).reason as Error;
        expect(isAckwireError(err) && err.code).toBe('UNAVAILABLE');
        expect(err.message).toContain(SESSION_STORE_UNAVAILABLE);
      }
      await r.start();
      await expect.poll(() => s.claim(session.id, 1, 1).then((c) => c.state, () => 'failed'), { timeout: 15_000, interval: 100 }).toBe('new');
    } finally {
      await r.stop();
    }
  });

  it('refuses to start with UNAVAILABLE within commandTimeoutMs when Redis cannot be reached', async () => {
    const r = await startRedis();
    const url = r.url;
    await r.stop();
    const err = await createRedisSessionStore({ url, logger: quiet, commandTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(isAckwireError(err) && err.code).toBe('UNAVAILABLE');
  });
});
