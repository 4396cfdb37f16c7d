/**
 * The server on a session store that answers late and out of order (as a network store does): frames take
 * effect in the order they were read, as they do with the in-memory store, which answers at once.
 */
import { MemorySessionStore, type Claim } from '@ackwire/server';
import { describe, expect, it } from 'vitest';
import { DelayedSessionStore } from '../helpers/async-session-store.js';
import { makeServer } from '../helpers/fixtures.js';
import { spyLogger, useHarness } from '../helpers/harness.js';

const h = useHarness();

/** Counts the claims the server waits for at once. */
class CountingStore extends DelayedSessionStore {
  waiting = 0;
  peak = 0;
  override claim(id: string, generation: number, callId: number): Promise<Claim> {
    this.peak = Math.max(this.peak, ++this.waiting);
    return super.claim(id, generation, callId).finally(() => this.waiting--);
  }
}

/** Fails the claims of the call ids in `failing`, as late as the others answer. */
class FailingStore extends CountingStore {
  readonly failing = new Set<number>();
  override claim(id: string, generation: number, callId: number): Promise<Claim> {
    const answer = super.claim(id, generation, callId);
    return this.failing.has(callId) ? answer.then(() => Promise.reject(new Error('store down'))) : answer;
  }
}

async function connected(logger = spyLogger()) {
  const sessionStore = new FailingStore(new MemorySessionStore(), { maxDelayMs: 5 });
  const { url, server } = await h.fixtureServer({ sessionStore, logger });
  const raw = await h.raw(url, ['ackwire.v1.json']);
  return { raw, server, sessionStore };
}

describe('a server on an asynchronous session store', () => {
  it('answers a call and a ping written together in that order (the ping waits for the call\'s claim)', async () => {
    const { raw, server } = await connected();
    await raw.hello(server.fingerprint);
    raw.send([3, 1, 'math.add', { a: 2, b: 2 }]);
    raw.send([14]);
    expect(await raw.next()).toStrictEqual([5, 1, 4]);
    expect(await raw.next()).toStrictEqual([15]);
  });

  it('asks for the claims of calls written together at once, and answers them in the order read', async () => {
    const { raw, server, sessionStore } = await connected();
    await raw.hello(server.fingerprint);
    for (let id = 1; id <= 20; id++) raw.send([3, id, 'math.add', { a: id, b: 0 }]);
    raw.send([14]);
    for (let id = 1; id <= 20; id++) expect(await raw.next()).toStrictEqual([5, id, id]);
    expect(await raw.next()).toStrictEqual([15]);
    expect(sessionStore.peak).toBeGreaterThan(1);
  });

  it('refuses a call whose claim fails in its turn, and still answers the calls around it in order', async () => {
    const logger = spyLogger();
    const { raw, server, sessionStore } = await connected(logger);
    await raw.hello(server.fingerprint);
    sessionStore.failing.add(2);
    for (const id of [1, 2, 3]) raw.send([3, id, 'math.add', { a: id, b: 10 }]);
    expect(await raw.next()).toStrictEqual([5, 1, 11]);
    expect((await raw.next()).slice(0, 3)).toStrictEqual([6, 2, 'UNAVAILABLE']);
    expect(await raw.next()).toStrictEqual([5, 3, 13]);
    expect(logger.error).toHaveBeenCalledWith('session store: claiming a call failed', expect.anything());
  });

  it('cancels a call whose cancel is written right behind it, before the store answered its claim', async () => {
    const { raw, server } = await connected();
    await raw.hello(server.fingerprint);
    raw.send([3, 1, 'math.slow', { ms: 5000 }]);
    raw.send([13, 1]);
    expect((await raw.next()).slice(0, 3)).toStrictEqual([6, 1, 'CANCELLED']);
  });

  it('runs a call re-sent right behind itself once, and answers both with the same outcome', async () => {
    const { raw, server } = await connected();
    await raw.hello(server.fingerprint);
    raw.send([3, 1, 'math.add', { a: 1, b: 2 }]);
    raw.send([3, 1, 'math.add', { a: 1, b: 2 }]);
    expect(await raw.next()).toStrictEqual([5, 1, 3]);
    expect(await raw.next()).toStrictEqual([5, 1, 3]);
  });

  it('answers calls sent behind the hello after the welcome, in order', async () => {
    const { raw, server } = await connected();
    raw.send([1, 1, server.fingerprint, null]);
    raw.send([3, 1, 'math.add', { a: 2, b: 2 }]);
    raw.send([3, 2, 'math.add', { a: 3, b: 3 }]);
    expect((await raw.next())[0]).toBe(2);
    expect(await raw.next()).toStrictEqual([5, 1, 4]);
    expect(await raw.next()).toStrictEqual([5, 2, 6]);
  });

  it('resumes a session after a reconnect and tells a resumed client the highest id it used', async () => {
    const { raw, server } = await connected();
    const welcome = await raw.hello(server.fingerprint);
    raw.send([3, 7, 'math.add', { a: 1, b: 1 }]);
    expect(await raw.next()).toStrictEqual([5, 7, 2]);
    const [, , sessionId, token] = welcome as [number, number, string, string];
    const again = await h.raw((raw.ws as unknown as { url: string }).url, ['ackwire.v1.json']);
    const resumed = await again.hello(server.fingerprint, null, [sessionId, token]);
    expect(resumed.slice(2, 5)).toStrictEqual([sessionId, token, 1]);
    expect(resumed[5]).toBe(7);
    again.send([3, 7, 'math.add', { a: 1, b: 1 }]); // a retry on the new connection: the stored outcome
    expect(await again.next()).toStrictEqual([5, 7, 2]);
    expect((await raw.closed).code).toBe(4410); // the first connection was taken over
  });
});
