/**
 * A cancel made while disconnected reaches the server after the resume, so both sides agree on what runs;
 * a call cancelled before it was ever written is withdrawn and never reaches the server. With and without a
 * reload journal.
 */
import { AckwireError } from '@ackwire/core';
import { describe, expect, it } from 'vitest';
import { harness, type Harness, type ReliabilityClient } from '../helpers/reliability.js';
import { orderClients } from '../helpers/order-clients.js';
import { waitFor } from '../helpers/wait-for.js';

let h: Harness | undefined;

const offline = async (client: ReliabilityClient): Promise<void> => {
  h!.proxy.refuse(true);
  h!.proxy.cut();
  await waitFor('the client to notice the cut', () => client.$state === 'reconnecting');
};

/** The `run` handler for `key` runs until its signal is aborted. */
function runsUntilAborted(key: string): void {
  h!.during.set(key, () => waitFor(`the handler of ${key} to be aborted`, () => h!.aborted.has(key)));
}

describe.each(orderClients())('%s', (_, make) => {
  it('a call aborted during an outage is cancelled at the server after the resume and frees its in-flight slot', async () => {
    h = await harness({ limits: { maxInFlight: 2 } });
    runsUntilAborted('a');
    runsUntilAborted('b');
    const client = await make(h);
    await client.$ready();
    const session = client.$sessionId;
    const a = new AbortController();
    const b = new AbortController();
    const first = client.jobs.run({ key: 'a' }, { signal: a.signal });
    const second = client.jobs.run({ key: 'b' }, { signal: b.signal });
    await Promise.all([first.received, second.received]);
    await offline(client);
    a.abort();
    b.abort();
    await expect(first).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(second).rejects.toMatchObject({ code: 'CANCELLED' });
    h.proxy.refuse(false);
    await client.$ready();
    expect(client.$sessionId).toBe(session);
    await waitFor("the handlers' signals to fire", () => h!.aborted.has('a') && h!.aborted.has('b'));
    expect(h.aborted.get('a')).toBeInstanceOf(AckwireError);
    expect((h.aborted.get('a') as AckwireError).code).toBe('CANCELLED');
    // The server no longer counts them: two new calls fit in its limit of two.
    await expect(Promise.all([client.jobs.run({ key: 'c' }), client.jobs.run({ key: 'd' })])).resolves.toHaveLength(2);
  });

  it('a call aborted before it was ever written is withdrawn: it never reaches the server', async () => {
    h = await harness();
    const client = await make(h);
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

  it('a call aborted right after it was made, while connected, is withdrawn or cancelled, and what follows it goes', async () => {
    h = await harness({ limits: { maxInFlight: 1 } });
    runsUntilAborted('first');
    const client = await make(h);
    await client.$ready();
    const abort = new AbortController();
    const first = client.jobs.run({ key: 'first' }, { signal: abort.signal });
    abort.abort();
    await expect(first).rejects.toMatchObject({ code: 'CANCELLED' });
    // Within a limit of one call in flight: the server must not be counting the first any more.
    expect(await client.jobs.run({ key: 'next' })).toEqual({ key: 'next', runs: 1 });
    if (h.runs.has('first')) await waitFor('the handler to see the cancel', () => h!.aborted.has('first'));
  });
});

// Only without a journal: with one, the call waits for its record and may be withdrawn before it is written.
it('on a first connection, a call pipelined behind the hello and aborted before the welcome is cancelled at the server', async () => {
  let admit!: () => void;
  const admitted = new Promise<void>((r) => (admit = r));
  let helloRead = false;
  h = await harness({
    limits: { maxInFlight: 1 },
    context: async () => {
      helloRead = true;
      await admitted;
      return undefined;
    },
  });
  runsUntilAborted('early');
  const client = h.client({ lazy: true });
  const abort = new AbortController();
  const early = client.jobs.run({ key: 'early' }, { signal: abort.signal });
  // The call is written right behind the hello, which the server is reading.
  await waitFor('the server to read the hello', () => helloRead);
  abort.abort();
  await expect(early).rejects.toMatchObject({ code: 'CANCELLED' });
  admit();
  // Within a limit of one call in flight: the server read the call, then its cancel.
  expect(await client.jobs.run({ key: 'late' })).toEqual({ key: 'late', runs: 1 });
  expect(h.runs.get('early')).toBe(1);
  expect((h.aborted.get('early') as AckwireError).code).toBe('CANCELLED');
});
