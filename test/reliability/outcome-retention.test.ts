/**
 * Outcomes are kept until the client acknowledges them, however its calls interleave: a slow call whose
 * result is lost on the way must not run again after the resume, even when many quick calls finished while
 * it ran (the client's watermark cannot pass a call still running, so those are acknowledged by range).
 */
import { describe, expect, it } from 'vitest';
import { harness, sleep, SESSION_STORES, type Harness } from '../helpers/reliability.js';
import { useHarness } from '../helpers/harness.js';
import { internals } from '../helpers/internals.js';
import { DelayedSessionStore } from '../helpers/async-session-store.js';
import type { MemorySessionStore } from '../../packages/server/src/memory-session-store.js';

let h: Harness;

const waitFor = async (what: string, ok: () => boolean, ms = 10_000): Promise<void> => {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
};

/** The in-memory store under the server's, unwrapped if it answers late. */
const memoryStore = (h: Harness): MemorySessionStore => {
  const store = internals(h.server).sessions.store;
  return (store instanceof DelayedSessionStore ? store.inner : store) as MemorySessionStore;
};

describe.each(SESSION_STORES)('%s', (_name, stores) => {
  it('a slow call whose result is lost after 1,100 quick calls finished beside it runs once across the resume', async () => {
    h = await harness(stores());
    const client = h.client();
    await client.$ready();
    const session = client.$sessionId;
    let quickDone!: () => void;
    const quick = new Promise<void>((r) => (quickDone = r));
    // The slow call finishes only after the quick ones, then its result is lost: server→client bytes stop.
    h.during.set('slow', async () => {
      await quick;
      if (h.runs.get('slow') === 1) h.proxy.drop('down'); // a second run (the defect) is let through, to be seen
    });
    const slow = client.jobs.run({ key: 'slow' });
    await slow.received;
    for (let batch = 0; batch < 11; batch++) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => client.jobs.run({ key: `q${batch * 100 + i}` })));
    }
    quickDone();
    const store = memoryStore(h);
    await waitFor('the slow call to finish', () => store.outcome(session!, slow.id) !== undefined);
    // More calls reach the server while the result is lost; they must not push the slow call's outcome out.
    const later = Array.from({ length: 8 }, (_, i) => client.jobs.run({ key: `late${i}` }));
    await waitFor('the later calls to run', () => [...Array(8).keys()].every((i) => h.runs.get(`late${i}`) === 1));
    h.proxy.cut();
    h.proxy.drop(null);
    expect(await slow).toEqual({ key: 'slow', runs: 1 });
    await Promise.all(later);
    expect(h.runs.get('slow')).toBe(1);
    expect(client.$sessionId).toBe(session);
    // The client acknowledged what it has: the session holds no outcome past the bound.
    await expect.poll(() => store.callIds(session!).length, { timeout: 10_000, interval: 50 }).toBe(0);
  });
});

const harnessRaw = useHarness();

it('a client that never acknowledges is refused new calls once maxRetainedCalls outcomes wait, and loses none', async () => {
  const { server, url } = await harnessRaw.fixtureServer({ limits: { maxRetainedCalls: 3 } });
  const raw = await harnessRaw.raw(url);
  await raw.hello(server.fingerprint);
  for (let id = 1; id <= 3; id++) {
    raw.send([3, id, 'math.add', { a: id, b: 0 }]);
    expect(await raw.next()).toEqual([5, id, id]);
  }
  raw.send([3, 4, 'math.add', { a: 4, b: 0 }]);
  const refused = await raw.next();
  expect(refused.slice(0, 3)).toEqual([6, 4, 'TOO_MANY_REQUESTS']);
  // Every stored outcome is still answered, not run again.
  raw.send([3, 1, 'math.add', { a: 100, b: 0 }]);
  expect(await raw.next()).toEqual([5, 1, 1]);
  // Acknowledging by range frees room: the refused call runs now.
  raw.send([12, 1, [1, 3]]);
  raw.send([3, 4, 'math.add', { a: 4, b: 0 }]);
  expect(await raw.next()).toEqual([5, 4, 4]);
});

it('an ack range releases only finished calls: a running call in the range still answers its retry', async () => {
  const { server, url } = await harnessRaw.fixtureServer();
  const raw = await harnessRaw.raw(url);
  await raw.hello(server.fingerprint);
  raw.send([3, 1, 'math.slow', { ms: 200 }]);
  expect(await raw.next()).toEqual([4, 1]);
  raw.send([3, 2, 'math.add', { a: 2, b: 0 }]);
  expect(await raw.next()).toEqual([5, 2, 2]);
  raw.send([12, 1, [1, 2]]);
  expect(await raw.next()).toEqual([5, 1, 'done']);
  raw.send([3, 1, 'math.slow', { ms: 200 }]);
  expect(await raw.next()).toEqual([5, 1, 'done']); // the stored outcome, not a second run
});
