/**
 * Requests leave in the order the application made them, on a first connection and on a resume, with and
 * without a reload journal: a call made right behind a subscribe, while not connected, is read by the server
 * after the subscribe, so the subscriber sees the event the call publishes; a subscribe made behind a call
 * that waits for its journal record waits too, and is written once the record is durable.
 */
import { describe, expect, it } from 'vitest';
import { api, harness, type Harness } from '../helpers/reliability.js';
import { orderClients } from '../helpers/order-clients.js';
import { waitFor } from '../helpers/wait-for.js';

let h: Harness | undefined;

/** The `run` handler for `key` publishes `{ n }` to `topic` as the server reads the call. */
function publishesOnRead(key: string, topic: string, n = 1): void {
  h!.during.set(key, () => {
    void h!.server.publish(api.jobs.feed, topic, { n });
  });
}

describe.each(orderClients())('%s', (_, make) => {
  it("on a first connection, subscribe then a call issued before the welcome: the subscriber sees the call's event", async () => {
    h = await harness();
    publishesOnRead('pub', 'first');
    const client = await make(h, { lazy: true });
    const seen: number[] = [];
    const started: boolean[] = [];
    client.jobs.feed.subscribe({ topic: 'first' }, { onData: (e) => seen.push(e.n), onStarted: (s) => started.push(s.recovered) });
    await client.jobs.run({ key: 'pub' });
    await waitFor('the event of the call', () => seen.length === 1);
    expect(seen).toEqual([1]);
    expect(started).toEqual([true]);
  });

  it("on a resume, subscribe then a call issued during the outage: the subscriber sees the call's event", async () => {
    h = await harness();
    publishesOnRead('pub', 'resumed');
    const client = await make(h);
    await client.$ready();
    const session = client.$sessionId;
    h.proxy.refuse(true);
    h.proxy.cut();
    await waitFor('the client to notice the cut', () => client.$state === 'reconnecting');
    const seen: number[] = [];
    client.jobs.feed.subscribe({ topic: 'resumed' }, { onData: (e) => seen.push(e.n) });
    const call = client.jobs.run({ key: 'pub' });
    h.proxy.refuse(false);
    await call;
    expect(client.$sessionId).toBe(session);
    await waitFor('the event of the call', () => seen.length === 1);
    expect(seen).toEqual([1]);
  });

  it('connected, a call then a subscribe: the subscribe is written, and read after the call', async () => {
    h = await harness();
    publishesOnRead('before', 'after-call', 1);
    const client = await make(h);
    await client.$ready();
    const seen: number[] = [];
    const started: boolean[] = [];
    const call = client.jobs.run({ key: 'before' });
    client.jobs.feed.subscribe({ topic: 'after-call' }, { onData: (e) => seen.push(e.n), onStarted: (s) => started.push(s.recovered) });
    await call;
    await waitFor('the subscription to start', () => started.length === 1);
    await h.server.publish(api.jobs.feed, 'after-call', { n: 2 });
    await waitFor('the event published after the call', () => seen.length > 0);
    // Event 1 was published while the server read the call: before it read the subscribe.
    expect(seen).toEqual([2]);
  });

  it("offline, a call then a subscribe: after the resume the subscribe is written too, behind the call", async () => {
    h = await harness();
    publishesOnRead('first', 'behind', 1);
    const client = await make(h);
    await client.$ready();
    h.proxy.refuse(true);
    h.proxy.cut();
    await waitFor('the client to notice the cut', () => client.$state === 'reconnecting');
    const seen: number[] = [];
    const started: boolean[] = [];
    const call = client.jobs.run({ key: 'first' });
    client.jobs.feed.subscribe({ topic: 'behind' }, { onData: (e) => seen.push(e.n), onStarted: (s) => started.push(s.recovered) });
    h.proxy.refuse(false);
    await call;
    await waitFor('the subscription to start', () => started.length === 1);
    await h.server.publish(api.jobs.feed, 'behind', { n: 2 });
    await waitFor('the event published after the call', () => seen.length > 0);
    expect(seen).toEqual([2]);
  });

  it("a call held back by the server's in-flight limit does not hold back a later subscribe", async () => {
    h = await harness({ limits: { maxInFlight: 1 } });
    let release!: () => void;
    h.during.set('slow', () => new Promise<void>((r) => (release = r)));
    const client = await make(h);
    await client.$ready();
    const slow = client.jobs.run({ key: 'slow' });
    await slow.received;
    const waiting = client.jobs.run({ key: 'waiting' });
    const started: boolean[] = [];
    client.jobs.feed.subscribe({ topic: 'free' }, { onData: () => undefined, onStarted: (s) => started.push(s.recovered) });
    await waitFor('the subscription to start while the slow call runs', () => started.length === 1);
    expect(h.runs.get('waiting')).toBeUndefined();
    release();
    expect(await waiting).toEqual({ key: 'waiting', runs: 1 });
    expect(await slow).toEqual({ key: 'slow', runs: 1 });
  });
});
