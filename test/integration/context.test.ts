/**
 * The handlers' context: built once per connection from the HTTP upgrade (URL, headers, cookies, remote
 * address) and the hello's connection params.
 */
import { AckwireError, type WebSocketLike } from '@ackwire/client';
import { AckwireError as ServerError, contract, procedure } from '@ackwire/core';
import { createServer, type ConnectionInfo } from '@ackwire/server';
import { describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import { spyLogger, useHarness, rejection } from '../helpers/harness.js';

const h = useHarness();

const Seen = z.object({
  user: z.string(),
  params: z.unknown(),
  cookies: z.record(z.string(), z.string()),
  trace: z.string().nullable(),
  remoteAddress: z.string(),
  origin: z.string().nullable(),
  url: z.string(),
});

const Params = z.object({ token: z.string().min(1), n: z.number().optional() });

const whoApi = contract({ whoami: procedure({ input: z.void(), output: Seen }) }, { params: Params });
/** The same contract as a client that declares no params schema sees it (same fingerprint). */
const untypedWhoApi = contract({ whoami: procedure({ input: z.void(), output: Seen }) });

function whoServer(context?: (info: ConnectionInfo<z.output<typeof Params>>) => unknown, logger = spyLogger()) {
  const contextFn = vi.fn(
    context ??
      ((info: ConnectionInfo<z.output<typeof Params>>) => {
        if (info.params.token === 'bad') throw new ServerError('UNAUTHORIZED', 'Bad token');
        if (info.params.token === 'banned') throw new ServerError('FORBIDDEN', 'Banned');
        if (info.params.token === 'boom') throw new Error('context exploded');
        return {
          user: `user:${info.params.token}`,
          params: info.params,
          cookies: { ...info.cookies },
          trace: (info.headers['x-trace'] as string | undefined) ?? null,
          remoteAddress: info.remoteAddress,
          origin: info.origin ?? null,
          url: info.url,
        };
      }),
  );
  const server = createServer(whoApi, {
    context: contextFn as (info: ConnectionInfo<z.output<typeof Params>>) => z.output<typeof Seen>,
    logger,
    handlers: { whoami: (_input, { ctx }) => ctx },
  });
  return { server, contextFn, logger };
}

/** A `ws` WebSocket that sends extra headers with its upgrade, as a Node client may. */
function withHeaders(headers: Record<string, string>): WebSocketLike {
  return class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  } as unknown as WebSocketLike;
}

describe('context', () => {
  it('connection params, cookies, headers, the URL and the remote address reach the context', async () => {
    const { server, contextFn } = whoServer();
    const { url } = await h.listen(server);
    const client = h.client(whoApi, {
      url: url + '?room=7',
      params: { token: 'abc', n: 3 },
      WebSocket: withHeaders({ cookie: 'sid=s%201; theme="dark"; bad', 'x-trace': 'trace-42' }),
    });
    const seen = await client.whoami();
    expect(seen).toStrictEqual({
      user: 'user:abc',
      params: { token: 'abc', n: 3 },
      cookies: { sid: 's 1', theme: 'dark' },
      trace: 'trace-42',
      remoteAddress: expect.stringMatching(/^(::ffff:)?127\.0\.0\.1$/),
      origin: null, // a Node client sends no Origin header
      url: '/?room=7',
    });
    await client.whoami();
    expect(contextFn).toHaveBeenCalledTimes(1); // once per connection, not per call
  });

  it('params may be a function, called for the connection', async () => {
    const { server } = whoServer();
    const { url } = await h.listen(server);
    const params = vi.fn(async () => ({ token: 'fresh' }));
    const client = h.client(whoApi, { url, params });
    expect((await client.whoami()).user).toBe('user:fresh');
    expect(params).toHaveBeenCalledTimes(1);
  });

  it('params that fail the schema are answered with their issues (BAD_REQUEST), then 4400, and not retried', async () => {
    const { server, contextFn } = whoServer();
    const counted = await h.attachCounting(server);
    const client = h.client(untypedWhoApi, { url: counted.url, params: { token: '' }, reconnect: { initialDelayMs: 5, maxDelayMs: 10 } });
    const closes: Array<{ code: number; willRetry: boolean }> = [];
    client.$on('close', (c) => closes.push(c));
    const err = await rejection(client.whoami());
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toBe('Invalid connection params');
    expect(err.data).toMatchObject({ closeCode: 4400, issues: [{ path: ['token'], code: 'too_small' }] });
    await new Promise((r) => setTimeout(r, 100));
    expect(closes).toStrictEqual([expect.objectContaining({ code: 4400, willRetry: false })]);
    expect(counted.upgrades()).toBe(1);
    expect(contextFn).not.toHaveBeenCalled();
  });

  it('a server given the params option of earlier versions throws, saying where the schema goes now', () => {
    const config = { params: Params, handlers: { whoami: () => ({}) as never } };
    expect(() => createServer(untypedWhoApi, config as never)).toThrow(/contract\(tree, \{ params: schema \}\)/);
  });

  it('on the wire, invalid params get an ERROR answering the hello (id 0) with the issues, then close 4400', async () => {
    const { server, contextFn } = whoServer();
    const { url } = await h.listen(server);
    const raw = await h.raw(url);
    raw.send([1, 1, server.fingerprint, { token: 5 }]);
    expect(await raw.next()).toEqual([
      6,
      0,
      'BAD_REQUEST',
      'Invalid connection params',
      { issues: [{ path: ['token'], message: expect.any(String), code: 'invalid_type' }] },
    ]);
    expect(await raw.closed).toEqual({ code: 4400, reason: 'invalid connection params' });
    expect(contextFn).not.toHaveBeenCalled();
  });

  it('UNAUTHORIZED from context closes with 4401 and reaches the client as UNAUTHORIZED', async () => {
    const { server } = whoServer();
    const { url } = await h.listen(server);
    const client = h.client(whoApi, { url, params: { token: 'bad' } });
    const closes: number[] = [];
    client.$on('close', (c) => closes.push(c.code));
    const err = await rejection(client.whoami());
    expect(err.code).toBe('UNAUTHORIZED');
    expect(err.message).toBe('Bad token');
    expect(closes).toStrictEqual([4401]);
  });

  it('FORBIDDEN from context closes with 4403 and reaches the client as FORBIDDEN', async () => {
    const { server } = whoServer();
    const { url } = await h.listen(server);
    const client = h.client(whoApi, { url, params: { token: 'banned' } });
    const err = await rejection(client.$ready());
    expect(err.code).toBe('FORBIDDEN');
    expect(err.message).toBe('Banned');
  });

  it('a context that throws anything else closes with 4500 (retried) and is logged', async () => {
    const logger = spyLogger();
    const { server } = whoServer(undefined, logger);
    const { url } = await h.listen(server);
    const client = h.client(whoApi, { url, params: { token: 'boom' }, reconnect: { maxAttempts: 1, initialDelayMs: 5, maxDelayMs: 10 } });
    const closes: Array<{ code: number; reason: string; willRetry: boolean }> = [];
    client.$on('close', (c) => closes.push(c));
    const err = await rejection(client.whoami());
    expect(err.code).toBe('CONNECTION_CLOSED');
    expect(closes.map((c) => [c.code, c.willRetry])).toStrictEqual([
      [4500, true],
      [4500, false],
    ]);
    expect(closes.every((c) => !c.reason.includes('exploded'))).toBe(true);
    expect(logger.error).toHaveBeenCalledTimes(2);
  });
});
