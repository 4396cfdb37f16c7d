/**
 * Frames leave in the order the application issued them, on a first connection and on a resume: a call
 * made right behind a subscribe, while not connected, is read by the server after the subscribe, so the
 * subscriber sees the event the call publishes.
 */
import { afterEach, expect, it } from 'vitest';
import { api, harness, sleep, type Harness } from '../helpers/reliability.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const waitFor = async (what: string, ok: () => boolean, ms = 5_000): Promise<void> => {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
};

function publishesDuringCall(key: string, topic: string): void {
  h.during.set(key, () => {
    void h.server.publish(api.jobs.feed, topic, { n: 1 });
  });
}

it('on a first connection, subscribe then a call issued before the welcome: the subscriber sees the call\'s event', async () => {
  h = await harness();
  publishesDuringCall('pub', 'first');
  const client = h.client({ lazy: true });
  const seen: number[] = [];
  const started: unknown[] = [];
  client.jobs.feed.subscribe({ topic: 'first' }, { onData: (e) => seen.push(e.n), onStarted: (s) => started.push(s.recovered) });
  await client.jobs.run({ key: 'pub' });
  await waitFor('the event', () => seen.length === 1);
  expect(seen).toEqual([1]);
  expect(started).toEqual([true]);
});

it('on a resume, subscribe then a call issued during the outage: the subscriber sees the call\'s event', async () => {
  h = await harness();
  publishesDuringCall('pub', 'resumed');
  const client = h.client();
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
  await waitFor('the event', () => seen.length === 1);
  expect(seen).toEqual([1]);
});
