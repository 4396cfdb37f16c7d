import { AckwireError } from '@ackwire/client';
import { contract, procedure } from '@ackwire/core';
import { createServer } from '@ackwire/server';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { api } from '../helpers/fixtures.js';
import { spyLogger, useHarness, rejection } from '../helpers/harness.js';
import { internals } from '../helpers/internals.js';

const h = useHarness();

/** The error a promise rejects with (fails the test if it resolves). */
describe('calls', () => {
  it('return values over a real socket', async () => {
    const { url } = await h.fixtureServer();
    const client = h.client(api, { url });
    expect(await client.math.add({ a: 2, b: 3 })).toBe(5);
    expect(await client.math.add({ a: -0.5, b: 1e9 })).toBe(999999999.5);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => client.math.add({ a: i, b: i })));
    expect(results).toStrictEqual(Array.from({ length: 50 }, (_, i) => 2 * i));
  });

  it('Date, Map, Set and BigInt survive a round trip with superjson', async () => {
    const { url, server } = await h.fixtureServer();
    const client = h.client(api, { url });
    const input = {
      when: new Date('2030-01-02T03:04:05.678Z'),
      big: 2n ** 70n,
      tags: new Set(['a', 'b']),
      map: new Map([
        ['x', 1],
        ['y', 2],
      ]),
    };
    const out = await client.types.echo(input);
    expect(out).toStrictEqual(input);
    expect(out.when).toBeInstanceOf(Date);
    expect(out.when.getTime()).toBe(input.when.getTime());
    expect(typeof out.big).toBe('bigint');
    expect(out.tags).toBeInstanceOf(Set);
    expect(out.map).toBeInstanceOf(Map);
    expect([...internals(server).connections].map((c) => c.codec.name)).toStrictEqual(['superjson']);
  });

  it('the json codec is negotiated when the client offers only ackwire.v1.json', async () => {
    const { url, server } = await h.fixtureServer();
    const client = h.client(api, { url, subprotocols: ['ackwire.v1.json'] });
    expect(await client.math.add({ a: 1, b: 2 })).toBe(3);
    expect([...internals(server).connections].map((c) => c.codec.name)).toStrictEqual(['json']);
    const sent = client.chat.send({ room: 'r', text: 'plain' });
    // Under plain JSON a Date arrives as a string, which the contract's z.date() refuses.
    const err = await rejection(sent);
    expect(err.code).toBe('PROTOCOL_ERROR');
    expect(await client.math.add({ a: 4, b: 4 })).toBe(8);
  });

  // Regression: JSON.stringify threw inside Connection.send, synchronously out of the call on an open
  // connection, and out of the socket's message handler for a call queued before the welcome, which left
  // every call queued after it unsent.
  it('an input the json codec cannot write fails that call only', async () => {
    const { url } = await h.fixtureServer({ subprotocols: ['ackwire.v1.json'] });
    const client = h.client(api, { url });
    const queued = client.types.echo({ when: new Date(0), big: 0n, tags: new Set(), map: new Map() });
    const next = client.math.add({ a: 1, b: 1 });
    expect((await rejection(queued)).code).toBe('BAD_REQUEST');
    expect(await next).toBe(2);
    const open = client.types.echo({ when: new Date(0), big: 1n, tags: new Set(), map: new Map() });
    expect((await rejection(open)).code).toBe('BAD_REQUEST');
  });
});

describe('receipts', () => {
  it('received resolves and onReceived is called once for a fast call', async () => {
    const { url } = await h.fixtureServer();
    const client = h.client(api, { url });
    const onReceived = vi.fn();
    const call = client.math.add({ a: 1, b: 1 }, { onReceived });
    expect(call.id).toBeGreaterThan(0);
    await expect(call.received).resolves.toBeUndefined();
    expect(await call).toBe(2);
    expect(onReceived).toHaveBeenCalledTimes(1);
  });

  it('for a slow handler the receipt arrives before the result, and onReceived is called once', async () => {
    const { url } = await h.fixtureServer();
    const client = h.client(api, { url });
    await client.$ready();
    const order: string[] = [];
    const onReceived = vi.fn(() => order.push('onReceived'));
    const call = client.math.slow({ ms: 300 }, { onReceived });
    void call.received.then(() => order.push('received'));
    void call.then(() => order.push('result'));
    await call.received;
    expect(order).toStrictEqual(['onReceived', 'received']);
    expect(await call).toBe('done');
    expect(order).toStrictEqual(['onReceived', 'received', 'result']);
    expect(onReceived).toHaveBeenCalledTimes(1);
  });

  it('a call past its deadline is TIMEOUT', async () => {
    const { url } = await h.fixtureServer();
    const client = h.client(api, { url });
    const err = await rejection(client.math.slow({ ms: 60_000 }, { timeoutMs: 50 }));
    expect(err.code).toBe('TIMEOUT');
  });

  it('a call that never reaches the server rejects received as well', async () => {
    const { url } = await h.fixtureServer();
    const client = h.client(api, { url });
    await client.$ready();
    client.$close();
    const call = client.math.add({ a: 1, b: 1 });
    expect((await rejection(call)).code).toBe('CONNECTION_CLOSED');
    expect((await rejection(call.received)).code).toBe('CONNECTION_CLOSED');
  });
});

describe('handler errors', () => {
  it('an AckwireError reaches the client with its code and message', async () => {
    const { url } = await h.fixtureServer();
    const client = h.client(api, { url });
    const err = await rejection(client.faulty.forbidden());
    expect(err.code).toBe('FORBIDDEN');
    expect(err.message).toBe('No');
  });

  it('a plain Error becomes INTERNAL_ERROR without leaking its message, and is logged', async () => {
    const logger = spyLogger();
    const { url } = await h.fixtureServer({ logger });
    const client = h.client(api, { url });
    const err = await rejection(client.faulty.throws());
    expect(err.code).toBe('INTERNAL_ERROR');
    expect(err.message).toBe('Internal server error');
    expect(err.data).toBeUndefined();
    expect(JSON.stringify({ ...err, message: err.message, stack: err.stack })).not.toContain('secret');
    expect(logger.error).toHaveBeenCalledTimes(1);
    const [, details] = logger.error.mock.calls[0]!;
    expect((details?.['error'] as Error).message).toBe('secret database password in message');
  });

  it('a procedure the server does not have is NOT_FOUND', async () => {
    const { url, server } = await h.fixtureServer();
    const raw = await h.raw(url);
    await raw.hello(server.fingerprint);
    raw.send([3, 1, 'math.ghost', { a: 1, b: 2 }]);
    const frame = await raw.next();
    expect(frame.slice(0, 3)).toStrictEqual([6, 1, 'NOT_FOUND']);
  });
});

describe('validation', () => {
  it('bad input is BAD_REQUEST with issues, and the connection stays up', async () => {
    const { url } = await h.fixtureServer();
    const client = h.client(api, { url });
    const closes = vi.fn();
    client.$on('close', closes);
    await client.$ready();
    const session = client.$sessionId;
    const err = await rejection(client.math.add({ a: 1, b: 'two' } as unknown as { a: number; b: number }));
    expect(err.code).toBe('BAD_REQUEST');
    const issues = (err.data as { issues: Array<{ path: unknown[]; message: string; code: string }> }).issues;
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: ['b'], code: 'invalid_type' });
    expect(typeof issues[0]!.message).toBe('string');
    expect(await client.math.add({ a: 1, b: 2 })).toBe(3);
    expect(client.$sessionId).toBe(session);
    expect(client.$state).toBe('open');
    expect(closes).not.toHaveBeenCalled();
  });

  it('an input over a schema limit lists every issue', async () => {
    const { url } = await h.fixtureServer();
    const client = h.client(api, { url });
    const err = await rejection(client.chat.send({ room: 5, text: 'x'.repeat(2001) } as unknown as { room: string; text: string }));
    expect(err.code).toBe('BAD_REQUEST');
    const paths = (err.data as { issues: Array<{ path: unknown[] }> }).issues.map((i) => i.path.join('.')).sort();
    expect(paths).toStrictEqual(['room', 'text']);
  });

  it('an output that fails its schema on the server is INTERNAL_ERROR, and is logged', async () => {
    const logger = spyLogger();
    const { url } = await h.fixtureServer({ logger });
    const client = h.client(api, { url });
    const err = await rejection(client.faulty.wrongOutput());
    expect(err.code).toBe('INTERNAL_ERROR');
    expect(err.message).toBe('Internal server error');
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error.mock.calls[0]![0]).toContain('faulty.wrongOutput');
    expect(await client.math.add({ a: 1, b: 1 })).toBe(2);
  });

  // Regression: the compiled checks took zod's string formats (z.email(), z.uuid()...) for plain strings,
  // so the server accepted any string for them.
  it('string formats are checked on the server: z.email() and z.uuid() in the input and the output', async () => {
    const accounts = contract({
      signup: procedure({ input: z.object({ email: z.email(), id: z.uuid() }), output: z.object({ email: z.email() }) }),
    });
    const logger = spyLogger();
    const server = createServer(accounts, {
      logger,
      handlers: { signup: ({ email }) => ({ email: email === 'x@example.com' ? email : 'not an address' }) },
    });
    const { url } = await h.listen(server);
    const raw = await h.raw(url);
    await raw.hello(server.fingerprint);
    const id = '123e4567-e89b-42d3-a456-426614174000';
    raw.send([3, 1, 'signup', { email: 'x@example.com', id }]);
    expect(await raw.next()).toStrictEqual([5, 1, { email: 'x@example.com' }]);
    raw.send([3, 2, 'signup', { email: 'not an address', id }]);
    expect((await raw.next()).slice(0, 3)).toStrictEqual([6, 2, 'BAD_REQUEST']);
    raw.send([3, 3, 'signup', { email: 'x@example.com', id: 'not a uuid' }]);
    expect((await raw.next()).slice(0, 3)).toStrictEqual([6, 3, 'BAD_REQUEST']);
    raw.send([3, 4, 'signup', { email: 'y@example.com', id }]);
    expect((await raw.next()).slice(0, 3)).toStrictEqual([6, 4, 'INTERNAL_ERROR']);
    expect(logger.error).toHaveBeenCalledTimes(1);
  });
});
