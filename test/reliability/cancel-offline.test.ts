/** A cancel made while disconnected reaches the server after the resume, so both sides agree on what runs. */
import { AckwireError } from '@ackwire/core';
import { afterEach, expect, it } from 'vitest';
import { harness, sleep, type Harness, type ReliabilityClient } from '../helpers/reliability.js';

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

const offline = async (client: ReliabilityClient): Promise<void> => {
  h.proxy.refuse(true);
  h.proxy.cut();
  await waitFor('the client to notice the cut', () => client.$state === 'reconnecting');
};

it('a call aborted during an outage is cancelled at the server after the resume and frees its in-flight slot', async () => {
  h = await harness({ limits: { maxInFlight: 2 } });
  const client = h.client();
  await client.$ready();
  const session = client.$sessionId;
  const a = new AbortController();
  const b = new AbortController();
  const first = client.jobs.run({ key: 'a', ms: 30_000 }, { signal: a.signal });
  const second = client.jobs.run({ key: 'b', ms: 30_000 }, { signal: b.signal });
  await Promise.all([first.received, second.received]);
  await offline(client);
  a.abort();
  b.abort();
  await expect(first).rejects.toMatchObject({ code: 'CANCELLED' });
  await expect(second).rejects.toMatchObject({ code: 'CANCELLED' });
  h.proxy.refuse(false);
  await client.$ready();
  expect(client.$sessionId).toBe(session);
  await waitFor('the handlers to see the cancel', () => h.aborted.has('a') && h.aborted.has('b'));
  expect(h.aborted.get('a')).toBeInstanceOf(AckwireError);
  expect((h.aborted.get('a') as AckwireError).code).toBe('CANCELLED');
  // The server no longer counts them: two new calls fit in its limit of two.
  await expect(Promise.all([client.jobs.run({ key: 'c' }), client.jobs.run({ key: 'd' })])).resolves.toHaveLength(2);
});

it('a call aborted before it was ever written is withdrawn: it never reaches the server', async () => {
  h = await harness();
  const client = h.client();
  await client.$ready();
  await offline(client);
  const abort = new AbortController();
  const call = client.jobs.run({ key: 'never' }, { signal: abort.signal });
  abort.abort();
  await expect(call).rejects.toMatchObject({ code: 'CANCELLED' });
  h.proxy.refuse(false);
  await client.$ready();
  expect(await client.jobs.run({ key: 'after' })).toEqual({ key: 'after', runs: 1 });
  expect(h.runs.has('never')).toBe(false);
});
