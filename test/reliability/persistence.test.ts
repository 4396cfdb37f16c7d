/**
 * Calls that survive a reload: a client restored from the storage another client left (the page before a
 * reload, a crashed process) resumes its session and re-sends the calls that had no outcome with their
 * original ids; each runs exactly once and `$recovered` has its outcome. The "reload" here is a client whose
 * storage stops taking writes at once (the page is gone), and a new client on the same storage.
 */
import { memoryStorage, restoreClient, type CallStorage, type StorageWrite } from '@ackwire/client';
import { describe, expect, it } from 'vitest';
import { api, harness, type Harness } from '../helpers/reliability.js';
import { internals } from '../helpers/internals.js';
import { later } from '../helpers/cleanup.js';

let h: Harness | undefined;

/** A storage that dies with its page: after `crash()`, writes never complete and change nothing. */
function crashable(inner: CallStorage): CallStorage & { crash(): void } {
  let dead = false;
  return {
    load: () => inner.load(),
    write: (batch: StorageWrite) => (dead ? new Promise<void>(() => undefined) : inner.write(batch)),
    crash: () => (dead = true),
  };
}

/** Resolves once `check` holds, polling the storage's state; bounded. */
async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not within 10 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('calls that survive a reload', () => {
  it('a call sent without a result and a call still in the outbox each run once after the reload, with their ids', async () => {
    h = await harness();
    const store = memoryStorage();
    const page1Storage = crashable(store);
    const page1 = await restoreClient(api, { url: h.proxy.url, storage: page1Storage, reconnect: { initialDelayMs: 5, maxDelayMs: 10 } });
    later(() => page1.$close());
    expect(page1.$recovered).toEqual([]);
    await page1.$ready();
    const sessionId = page1.$sessionId;

    // Sent, received by the server, still running when the page goes.
    let release!: () => void;
    h.during.set('slow', () => new Promise<void>((r) => (release = r)));
    const slow = page1.jobs.run({ key: 'slow' });
    slow.catch(() => undefined);
    await slow.received;
    // The connection drops; a call made now waits in the outbox.
    h.proxy.refuse(true);
    h.proxy.cut();
    await until(() => page1.$state === 'reconnecting', 'reconnecting');
    const queued = page1.jobs.run({ key: 'queued' });
    queued.catch(() => undefined);
    await until(() => store.state.calls.length === 2, 'both calls stored');
    expect(store.state.calls.map((c) => [c.id, c.path, c.sent])).toEqual([
      [slow.id, 'jobs.run', true],
      [queued.id, 'jobs.run', false],
    ]);
    page1Storage.crash();

    // The reload: a new client on the same storage, straight to the server.
    const page2 = await restoreClient(api, { url: `ws://127.0.0.1:${h.port}/`, storage: store });
    later(() => page2.$close());
    expect(page2.$recovered.map((r) => [r.id, r.path, r.input, r.wasSent])).toEqual([
      [slow.id, 'jobs.run', { key: 'slow' }, true],
      [queued.id, 'jobs.run', { key: 'queued' }, false],
    ]);
    await page2.$ready();
    expect(page2.$sessionId).toBe(sessionId);
    release();
    const outcomes = await Promise.all(page2.$recovered.map((r) => r.result));
    expect(outcomes).toEqual([
      { key: 'slow', runs: 1 },
      { key: 'queued', runs: 1 },
    ]);
    expect([h.runs.get('slow'), h.runs.get('queued')]).toEqual([1, 1]);
    await until(() => store.state.calls.length === 0, 'records deleted once settled');
    // New calls take ids the server has not seen.
    const next = page2.jobs.run({ key: 'next' });
    expect(next.id).toBeGreaterThan(queued.id);
    expect(await next).toEqual({ key: 'next', runs: 1 });
  });

  it('with the session gone, a recovered call that may have run fails RESULT_UNKNOWN; one never sent runs once', async () => {
    h = await harness({ sessionRetentionMs: 50 });
    const store = memoryStorage();
    const page1Storage = crashable(store);
    const page1 = await restoreClient(api, { url: h.proxy.url, storage: page1Storage, reconnect: { initialDelayMs: 5, maxDelayMs: 10 } });
    later(() => page1.$close());
    await page1.$ready();
    h.during.set('maybe', () => new Promise<void>(() => undefined));
    const maybe = page1.jobs.run({ key: 'maybe' });
    maybe.catch(() => undefined);
    await maybe.received;
    h.proxy.refuse(true);
    h.proxy.cut();
    await until(() => page1.$state === 'reconnecting', 'reconnecting');
    page1.jobs.run({ key: 'never-sent' }).catch(() => undefined);
    await until(() => store.state.calls.length === 2, 'both stored');
    page1Storage.crash();
    await until(() => internals(h!.server).sessions.size === 0, 'the session expired');

    const page2 = await restoreClient(api, { url: `ws://127.0.0.1:${h.port}/`, storage: store });
    later(() => page2.$close());
    const [a, b] = page2.$recovered;
    await expect(a!.result).rejects.toMatchObject({ code: 'RESULT_UNKNOWN' });
    expect(await b!.result).toEqual({ key: 'never-sent', runs: 1 });
    expect(h.runs.get('maybe')).toBe(1);
  });

  it('a call goes to the socket only after its record is durable', async () => {
    h = await harness();
    const store = memoryStorage();
    let open!: () => void;
    let gate: Promise<void> | undefined;
    const slowStorage: CallStorage = {
      load: () => store.load(),
      write: async (batch) => {
        await gate;
        store.write(batch);
      },
    };
    const client = await restoreClient(api, { url: h.proxy.url, storage: slowStorage });
    later(() => client.$close());
    await client.$ready();
    gate = new Promise<void>((r) => (open = r));
    const call = client.jobs.run({ key: 'gated' });
    await new Promise((r) => setTimeout(r, 50));
    expect(h.runs.get('gated')).toBeUndefined();
    expect(store.state.calls).toEqual([]);
    open();
    expect(await call).toEqual({ key: 'gated', runs: 1 });
  });

  it('a storage that cannot be read still gives a client, which starts empty and reports it', async () => {
    h = await harness();
    const errors: unknown[] = [];
    const client = await restoreClient(api, {
      url: h.proxy.url,
      storage: { load: () => Promise.reject(new Error('database blocked')), write: () => undefined },
      onStorageError: (e) => errors.push(e),
    });
    later(() => client.$close());
    expect(client.$recovered).toEqual([]);
    expect(await client.jobs.run({ key: 'starts' })).toEqual({ key: 'starts', runs: 1 });
    expect(errors).toEqual([new Error('database blocked')]);
  });

  it('a storage that fails does not hold calls back', async () => {
    h = await harness();
    const errors: unknown[] = [];
    const client = await restoreClient(api, {
      url: h.proxy.url,
      storage: { load: () => ({ session: undefined, reserved: 0, calls: [] }), write: () => Promise.reject(new Error('quota exceeded')) },
      onStorageError: (e) => errors.push(e),
    });
    later(() => client.$close());
    expect(await client.jobs.run({ key: 'anyway' })).toEqual({ key: 'anyway', runs: 1 });
    expect(errors.length).toBeGreaterThan(0);
  });
});
