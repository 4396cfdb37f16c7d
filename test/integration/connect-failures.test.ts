/**
 * A Node client that cannot connect says why: the HTTP status and the server's reason of a refused upgrade,
 * the system error of a refused connection, in the close event, in the error event and in what pending calls
 * and `$ready()` reject with. A wrong path and refused credentials stop it; a server that refuses for now
 * (429) is retried after a longer wait; a server that is not there is retried with the usual backoff.
 *
 * The servers here answer refusals with HTTP statuses only (`inBandRefusals: false`), as a proxy or another
 * server would: an Ackwire server tells them in band by default (test/security/in-band-refusals.test.ts).
 */
import { createServer as createNetServer } from 'node:net';
import { AckwireError } from '@ackwire/core';
import type { CloseInfo, WebSocketLike } from '@ackwire/client';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { api, makeServer } from '../helpers/fixtures.js';
import { rejection, useHarness } from '../helpers/harness.js';
import { listen } from '@ackwire/server/ws';

const h = useHarness();

/** The fixture server, refusing with HTTP statuses. */
async function httpRefusing(overrides: Parameters<typeof makeServer>[0] = {}): Promise<{ url: string }> {
  const server = makeServer(overrides);
  h.defer(() => server.close());
  return { url: (await listen(server, { port: 0, inBandRefusals: false })).url };
}
const fastRetry = { initialDelayMs: 1, maxDelayMs: 5 };

/** A client with its close and error events recorded. */
function recorded(url: string, options: Parameters<typeof h.client>[1] extends infer O ? Partial<O> : never = {}) {
  const client = h.client(api, { url, reconnect: fastRetry, ...options });
  const closes: CloseInfo[] = [];
  const errors: AckwireError[] = [];
  client.$on('close', (c) => closes.push(c));
  client.$on('error', (e) => errors.push(e));
  return Object.assign(client, { closes, errors });
}

/** A port nothing listens on. */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('a refused upgrade', () => {
  it('a wrong path (HTTP 404) is fatal: $ready, pending calls and the error event say NOT_FOUND and name the URL', async () => {
    const server = makeServer();
    h.defer(() => server.close());
    const { port } = await listen(server, { port: 0, path: '/ws', inBandRefusals: false });
    const url = `ws://127.0.0.1:${port}/wrong`;
    const client = recorded(url);
    const pending = client.math.add({ a: 1, b: 2 });
    const err = await rejection(client.$ready());
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain('HTTP 404');
    expect(err.message).toContain(url);
    expect(err.data).toMatchObject({ status: 404 });
    expect((await rejection(pending)).code).toBe('NOT_FOUND');
    expect(client.errors.map((e) => e.code)).toStrictEqual(['NOT_FOUND']);
    expect(client.closes).toStrictEqual([
      { code: 1006, reason: 'Handshake refused with HTTP 404 (Not Found)', willRetry: false, retryInMs: undefined, status: 404, socketError: undefined, kind: 'not-found' },
    ]);
    expect(client.$state).toBe('closed');
  });

  it('authenticate refusing (HTTP 401) is fatal, with the server reason in the close event and the error', async () => {
    const { url } = await httpRefusing({
      authenticate: () => {
        throw new AckwireError('UNAUTHORIZED', 'Session cookie missing');
      },
    });
    const client = recorded(url);
    const err = await rejection(client.$ready());
    expect(err.code).toBe('UNAUTHORIZED');
    expect(err.message).toBe('Handshake refused with HTTP 401 (Unauthorized): Session cookie missing');
    expect(client.errors).toStrictEqual([err]);
    expect(client.closes).toStrictEqual([expect.objectContaining({ code: 1006, status: 401, willRetry: false, reason: err.message })]);
  });

  it('authenticate answering BAD_REQUEST (HTTP 400) is BAD_REQUEST, not a subprotocol mismatch', async () => {
    const { url } = await httpRefusing({
      authenticate: () => {
        throw new AckwireError('BAD_REQUEST', 'Malformed cookie');
      },
    });
    const client = recorded(url);
    const err = await rejection(client.$ready());
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toContain('Malformed cookie');
    expect(client.closes).toStrictEqual([expect.objectContaining({ status: 400, willRetry: false })]);
  });

  it('a refused Origin (HTTP 403) is FORBIDDEN, also through a `ws` WebSocket passed in the options', async () => {
    const { url } = await httpRefusing();
    class FromOtherSite extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { origin: 'http://localhost:5173' });
      }
    }
    const client = recorded(url, { WebSocket: FromOtherSite as unknown as WebSocketLike });
    const err = await rejection(client.$ready());
    expect(err.code).toBe('FORBIDDEN');
    expect(err.message).toBe('Handshake refused with HTTP 403 (Forbidden): Origin not allowed');
    expect(client.closes).toStrictEqual([expect.objectContaining({ status: 403, willRetry: false })]);
  });

  it('a rate-limit refusal (HTTP 429) is retried after a longer wait, and the client connects once there is room', async () => {
    const { url } = await httpRefusing({ limits: { maxConnectionsPerAddress: 1 } });
    const first = recorded(url);
    await first.$ready();
    const maxDelayMs = 400;
    const second = recorded(url, { reconnect: { initialDelayMs: 1, maxDelayMs } });
    await expect.poll(() => second.closes.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(1);
    const refused = second.closes[0]!;
    expect(refused).toMatchObject({
      code: 1006,
      status: 429,
      willRetry: true,
      reason: 'Handshake refused with HTTP 429 (Too Many Requests): Too many connections from this address',
    });
    // The usual first delay would be at most 1 ms; a 429 waits at least half of maxDelayMs.
    expect(refused.retryInMs).toBeGreaterThanOrEqual(maxDelayMs / 2);
    expect(refused.retryInMs).toBeLessThanOrEqual(maxDelayMs);
    first.$close();
    await second.$ready();
    expect(second.errors).toStrictEqual([]);
  });
});

describe('no server', () => {
  it.each([['127.0.0.1'], ['localhost']])(
    'a refused connection (%s) is retried with backoff, and every close says ECONNREFUSED',
    async (host) => {
      const port = await freePort();
      const client = recorded(`ws://${host}:${port}/`, { reconnect: { ...fastRetry, maxAttempts: 2 } });
      const err = await rejection(client.$ready());
      expect(err.code).toBe('CONNECTION_CLOSED');
      expect(err.message).toMatch(/^Gave up after 2 attempts \(last: connect ECONNREFUSED .*\)$/);
      expect(err.data).toMatchObject({ socketError: 'ECONNREFUSED' });
      expect(client.closes.map((c) => [c.code, c.socketError, c.willRetry])).toStrictEqual([
        [1006, 'ECONNREFUSED', true],
        [1006, 'ECONNREFUSED', true],
        [1006, 'ECONNREFUSED', false],
      ]);
      for (const c of client.closes) expect(c.reason).toMatch(/ECONNREFUSED/);
    },
  );
});
