/**
 * What happens before a connection is usable: subprotocol negotiation and the contract check. Both
 * refusals are fatal: the client reports them once and does not reconnect.
 */
import { AckwireError, type ClientOptions } from '@ackwire/client';
import { contract, procedure, subscription } from '@ackwire/core';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { api, apiTree, makeServer } from '../helpers/fixtures.js';
import { refusedUpgrade, type Closed } from '../helpers/raw-client.js';
import { once, useHarness, rejection } from '../helpers/harness.js';
import { internals } from '../helpers/internals.js';

const h = useHarness();

/** Retries would come quickly, so a test that waits a little sees them if there are any. */
const fastRetry: ClientOptions['reconnect'] = { initialDelayMs: 5, maxDelayMs: 10 };
const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms));

describe('subprotocol negotiation', () => {
  it('a raw client offering only foo gets HTTP 400 naming the server tokens', async () => {
    const { url } = await h.fixtureServer();
    const refusal = await refusedUpgrade(url, ['foo']);
    expect(refusal.status).toBe(400);
    expect(refusal.headers['x-ackwire-subprotocols']).toBe('ackwire.v1.superjson, ackwire.v1.json');
    expect(refusal.body).toContain('ackwire.v1.superjson');
  });

  it('a raw client offering no subprotocol at all gets HTTP 400 too', async () => {
    const { url } = await h.fixtureServer({ subprotocols: ['ackwire.v1.json'] });
    const refusal = await refusedUpgrade(url, []);
    expect(refusal.status).toBe(400);
    expect(refusal.headers['x-ackwire-subprotocols']).toBe('ackwire.v1.json');
  });

  it('a raw client offering foo and the negotiation token is accepted, then closed with 4406 naming both sides', async () => {
    const { url } = await h.fixtureServer();
    const raw = await h.raw(url, ['foo', 'ackwire']);
    expect(raw.protocol).toBe('ackwire');
    const closed: Closed = await raw.closed;
    expect(closed.code).toBe(4406);
    expect(closed.reason).toContain('ackwire.v1.superjson');
    expect(closed.reason).toContain('ackwire.v1.json');
    expect(closed.reason).toContain('foo');
  });

  it('an upgrade to another path is 404', async () => {
    const { url } = await h.fixtureServer();
    const refusal = await refusedUpgrade(url + 'elsewhere', ['ackwire.v1.json']);
    expect(refusal.status).toBe(404);
  });

  it('the real client with tokens the server does not accept gets SUBPROTOCOL_MISMATCH naming both sides, once', async () => {
    const counted = await h.attachCounting(makeServer({ subprotocols: ['ackwire.v1.superjson'] }));
    const client = h.client(api, { url: counted.url, subprotocols: ['ackwire.v1.json'], reconnect: fastRetry });
    const errors: AckwireError[] = [];
    const closes: Array<{ code: number; willRetry: boolean }> = [];
    client.$on('error', (e) => errors.push(e));
    client.$on('close', (c) => closes.push(c));
    const pending = client.math.add({ a: 1, b: 2 });
    const err = await rejection(client.$ready());
    expect(err.code).toBe('SUBPROTOCOL_MISMATCH');
    expect(err.message).toContain('ackwire.v1.superjson'); // what the server speaks
    expect(err.message).toContain('ackwire.v1.json'); // what the client offered
    expect((await rejection(pending)).code).toBe('SUBPROTOCOL_MISMATCH');
    await settle();
    expect(counted.upgrades()).toBe(1);
    expect(errors.map((e) => e.code)).toStrictEqual(['SUBPROTOCOL_MISMATCH']);
    expect(closes).toStrictEqual([expect.objectContaining({ code: 4406, willRetry: false })]);
    expect(client.$state).toBe('closed');
    expect((await rejection(client.math.add({ a: 1, b: 1 }))).code).toBe('SUBPROTOCOL_MISMATCH');
  });

  it('the real client picks json against a json-only server when it offers both', async () => {
    const { url, server } = await h.fixtureServer({ subprotocols: ['ackwire.v1.json'] });
    const client = h.client(api, { url });
    expect(await client.math.add({ a: 1, b: 2 })).toBe(3);
    expect([...internals(server).connections].map((c) => c.codec.name)).toStrictEqual(['json']);
  });
});

describe('contract mismatch', () => {
  const other = contract({
    math: {
      add: procedure({ input: z.object({ a: z.number(), b: z.string() }), output: z.number() }),
    },
  });

  it('a client built from another contract gets CONTRACT_MISMATCH at connect; pending calls fail with it; no retry', async () => {
    const counted = await h.attachCounting(makeServer());
    const client = h.client(other, { url: counted.url, reconnect: fastRetry });
    const onError = vi.fn();
    const closes: Array<{ code: number; willRetry: boolean }> = [];
    client.$on('error', onError);
    client.$on('close', (c) => closes.push(c));
    const pending = [client.math.add({ a: 1, b: 'x' }), client.math.add({ a: 2, b: 'y' })];
    const err = await rejection(client.$ready());
    expect(err.code).toBe('CONTRACT_MISMATCH');
    for (const p of pending) {
      const e = await rejection(p);
      expect(e.code).toBe('CONTRACT_MISMATCH');
      expect((await rejection(p.received)).code).toBe('CONTRACT_MISMATCH');
    }
    await settle();
    expect(counted.upgrades()).toBe(1);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(closes).toStrictEqual([expect.objectContaining({ code: 4412, willRetry: false })]);
    expect(client.$state).toBe('closed');
  });

  it('subscriptions of a mismatched client get onError with CONTRACT_MISMATCH', async () => {
    const { url } = await h.fixtureServer();
    const wrong = contract({ chat: { messages: subscription({ input: z.object({ room: z.string() }), event: z.string() }) } });
    const client = h.client(wrong, { url });
    const onError = once<[AckwireError]>();
    const onComplete = vi.fn();
    client.chat.messages.subscribe({ room: 'a' }, { onData: () => undefined, onError: onError.fn, onComplete });
    const [err] = await onError.called;
    expect(err.code).toBe('CONTRACT_MISMATCH');
    expect(onComplete).toHaveBeenCalledTimes(1);
  });

  it('a part of the server contract is a mismatch too', async () => {
    const { url } = await h.fixtureServer();
    const part = contract({ math: apiTree().math });
    const client = h.client(part, { url });
    expect((await rejection(client.$ready())).code).toBe('CONTRACT_MISMATCH');
  });

  it('the same contract built separately (as a client bundle would) is accepted', async () => {
    const { url } = await h.fixtureServer();
    const twin = contract(apiTree());
    expect(twin).not.toBe(api);
    const client = h.client(twin, { url });
    expect(await client.math.add({ a: 20, b: 22 })).toBe(42);
  });
});
