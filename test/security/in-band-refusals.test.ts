/**
 * Refusals told in band (docs/protocol.md §3.1): to a client that offers the negotiation token, a refused
 * upgrade completes selecting `ackwire` and closes at once with the refusal's close code, so that a
 * browser, which cannot read an HTTP status, learns the reason. The socket carries nothing but the close;
 * a foreign Origin is refused before any credential is looked at.
 */
import { createClient, type CloseInfo } from '@ackwire/client';
import { AckwireError } from '@ackwire/core';
import type { Handshake } from '@ackwire/server';
import { createServer as createHttpServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { closeOf, issue, later, makeSecureServer, secureApi, upgrade } from './helpers.js';
import { internals } from '../helpers/internals.js';
import { listen, attach } from '@ackwire/server/ws';

const OFFER = ['ackwire.v1.json', 'ackwire'];

/** Open a raw socket offering the negotiation token; resolves with what it was told, frames included. */
async function refusedInBand(url: string, options: { origin?: string; headers?: Record<string, string> } = {}) {
  const up = await upgrade(url, { protocols: OFFER, ...options });
  if (!up.ok) throw new Error(`refused with HTTP ${up.status}, not in band`);
  const frames: string[] = [];
  const closed = closeOf(up.ws);
  up.ws.on('message', (data) => frames.push(data.toString()));
  // Whatever a refused peer sends is dropped unread.
  up.ws.send('[1,1,"x",null]');
  return { protocol: up.protocol, frames, ...(await closed) };
}

describe('in-band refusals', () => {
  async function serve(authenticate?: (h: Handshake) => unknown, extra: Parameters<typeof makeSecureServer>[0] = {}) {
    const server = makeSecureServer({ ...(authenticate ? { authenticate } : {}), helloTimeoutMs: 500, ...extra });
    later(() => server.close());
    return { server, url: (await listen(server)).url };
  }

  it('tells an authenticate refusal as 4401, 4403, 4420, 1013, 4400 or 4500, with its message as the reason, and no frame', async () => {
    const codes = { a: 'UNAUTHORIZED', b: 'FORBIDDEN', c: 'TOO_MANY_REQUESTS', d: 'UNAVAILABLE', e: 'BAD_REQUEST' } as const;
    const { url } = await serve((h) => {
      const which = new URL(h.url, 'http://x').searchParams.get('r') ?? '';
      if (which === 'f') throw new Error('database password is hunter2');
      throw new AckwireError(codes[which as keyof typeof codes], `refused ${which}`);
    });
    const expected: Record<string, [number, string]> = {
      a: [4401, 'refused a'],
      b: [4403, 'refused b'],
      c: [4420, 'refused c'],
      d: [1013, 'refused d'],
      e: [4400, 'refused e'],
      f: [4500, 'Internal Server Error'],
    };
    for (const [which, [code, reason]] of Object.entries(expected)) {
      const told = await refusedInBand(`${url}?r=${which}`);
      expect({ which, ...told }).toEqual({ which, protocol: 'ackwire', frames: [], code, reason });
    }
  });

  it('tells a foreign Origin 4403 before authenticate runs, and the same to every page whatever its cookies', async () => {
    let authenticated = 0;
    const { server, url } = await serve(() => {
      authenticated++;
      return undefined;
    });
    for (const headers of [{ cookie: 'sid=valid' }, {}] as Array<Record<string, string>>) {
      expect(await refusedInBand(url, { origin: 'https://evil.example', headers })).toEqual({ protocol: 'ackwire', frames: [], code: 4403, reason: 'Origin not allowed' });
    }
    expect(authenticated).toBe(0);
    // Never handed to the server core: no connection, no session, no slot left behind.
    expect(internals(server).connections.size).toBe(0);
    expect(internals(server).sessions.size).toBe(0);
    await expect.poll(() => internals(server).admission.size).toBe(0);
  });

  it('tells the connection caps 4420 (per address) and 1013 (in total), and a wrong path 4404', async () => {
    const perAddress = await serve(undefined, { limits: { maxConnectionsPerAddress: 1 } });
    const first = await upgrade(perAddress.url, { protocols: OFFER });
    expect(first.ok && first.protocol).toBe('ackwire.v1.json');
    expect(await refusedInBand(perAddress.url)).toMatchObject({ code: 4420, reason: 'Too many connections from this address', frames: [] });
    const total = await serve(undefined, { limits: { maxConnections: 1 } });
    await upgrade(total.url, { protocols: OFFER });
    expect(await refusedInBand(total.url)).toMatchObject({ code: 1013, reason: 'Too many connections' });
    expect(await refusedInBand(`${total.url.replace(/\/$/, '')}/elsewhere`)).toMatchObject({ code: 4404, reason: 'Not Found' });
  });

  it('answers with the HTTP status when the negotiation token is not offered, or when inBandRefusals is false', async () => {
    const { url } = await serve(() => {
      throw new AckwireError('UNAUTHORIZED', 'no');
    });
    const plain = await upgrade(url, { protocols: ['ackwire.v1.json'] });
    expect(plain.ok ? 0 : plain.status).toBe(401);

    const server = makeSecureServer({ authenticate: () => Promise.reject(new AckwireError('UNAUTHORIZED', 'no')) });
    const http = createHttpServer();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const listener = attach(server, { server: http, inBandRefusals: false });
    later(async () => {
      await listener.close();
      await server.close();
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    });
    const offered = await upgrade(listener.url, { protocols: OFFER });
    expect(offered.ok ? 0 : offered.status).toBe(401);
  });

  it('a refused socket gives its connection slot back when it closes', async () => {
    const { server, url } = await serve(() => Promise.reject(new AckwireError('UNAUTHORIZED', 'no')));
    for (let i = 0; i < 5; i++) await refusedInBand(url);
    await expect.poll(() => internals(server).admission.size).toBe(0);
  });
});

describe('the real client and in-band refusals', () => {
  it('stops at once on an auth refusal, with the reason and the kind, after one attempt', async () => {
    let attempts = 0;
    const server = makeSecureServer({
      authenticate: () => {
        attempts++;
        throw new AckwireError('UNAUTHORIZED', 'session expired, sign in again');
      },
    });
    later(() => server.close());
    const { url } = await listen(server);
    const client = createClient(secureApi, { url, reconnect: { initialDelayMs: 1, maxDelayMs: 2 } });
    later(() => client.$close());
    const closes: CloseInfo[] = [];
    client.$on('close', (c) => closes.push(c));
    await expect(client.$ready()).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: 'session expired, sign in again' });
    expect(closes).toEqual([{ code: 4401, reason: 'session expired, sign in again', kind: 'unauthorized', willRetry: false }]);
    expect(client.$connection).toMatchObject({ state: 'closed', error: { code: 'UNAUTHORIZED' }, lastClose: { kind: 'unauthorized' } });
    expect(attempts).toBe(1);
    expect(client.$reconnect()).toBe(false);
  });

  it('waits at least half of maxDelayMs after a rate-limit refusal, not the usual backoff, and stops after maxRefusals', async () => {
    const at: number[] = [];
    const server = makeSecureServer({
      authenticate: () => {
        at.push(Date.now());
        throw new AckwireError('TOO_MANY_REQUESTS', 'slow down');
      },
    });
    later(() => server.close());
    const { url } = await listen(server);
    const maxDelayMs = 80;
    const client = createClient(secureApi, { url, reconnect: { initialDelayMs: 1, maxDelayMs, maxRefusals: 3 } });
    later(() => client.$close());
    const retries: number[] = [];
    client.$on('connection', (info) => {
      if (info.retryAt !== undefined) retries.push(info.retryAt - Date.now());
    });
    await expect(client.$ready()).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    expect(at).toHaveLength(3);
    // Two waits, each from the upper half of maxDelayMs, where the usual backoff would be 1 and 2 ms.
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(maxDelayMs / 2 - 5);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(maxDelayMs / 2 - 5);
    expect(retries).toHaveLength(2);
    expect(client.$connection.lastClose).toMatchObject({ code: 4420, kind: 'rate-limited', willRetry: false });
    // A connection that is let in resets the count (see reconnect tests); this one stays stopped.
    expect(client.$state).toBe('closed');
  });

  it('a client that gets in after a load refusal starts its count again', async () => {
    let n = 0;
    const server = makeSecureServer({
      authenticate: () => {
        if (++n % 2 === 1) throw new AckwireError('UNAVAILABLE', 'busy');
        return undefined;
      },
    });
    later(() => server.close());
    const { url } = await listen(server);
    issue('t', 'dave');
    const client = createClient(secureApi, { url, params: { token: 't' }, reconnect: { initialDelayMs: 1, maxDelayMs: 4, maxRefusals: 2 } });
    later(() => client.$close());
    await client.$ready();
    // Cut it twice: each reconnect is refused once, then let in; maxRefusals 2 is never reached.
    for (let i = 0; i < 2; i++) {
      const reopened = new Promise<void>((resolve) => {
        const off = client.$on('session', () => {
          off();
          resolve();
        });
      });
      for (const c of [...internals(server).connections]) c.close(1001, 'restart');
      await reopened;
    }
    expect(client.$state).toBe('open');
    expect(await client.whoami()).toEqual({ user: 'dave', role: 'member' });
  });
});
