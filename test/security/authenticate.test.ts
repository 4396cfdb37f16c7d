/**
 * The `authenticate` hook refuses upgrades with an HTTP status before any WebSocket exists, and what it
 * returns reaches `context`. Connection params are checked by the `params` schema inside the hello.
 */
import { createClient } from '@ackwire/client';
import { AckwireError } from '@ackwire/core';
import type { Handshake } from '@ackwire/server';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { closeOf, inbox, issue, later, makeSecureServer, secureApi, upgrade, wsWith } from './helpers.js';
import { listen } from '@ackwire/server/ws';
import { internals } from '../helpers/internals.js';

describe('authenticate hook (before the upgrade)', () => {
  async function serve(
    authenticate: (h: Handshake) => unknown,
    extra: Parameters<typeof makeSecureServer>[0] = {},
    options: Parameters<typeof makeSecureServer>[1] = {},
  ) {
    const server = makeSecureServer({ authenticate, helloTimeoutMs: 500, ...extra }, options);
    later(() => server.close());
    const listener = await listen(server);
    return { server, url: listener.url };
  }

  it('maps UNAUTHORIZED, FORBIDDEN, TOO_MANY_REQUESTS and UNAVAILABLE to 401, 403, 429 and 503, and other throws to a bare 500', async () => {
    const codes = { a: 'UNAUTHORIZED', b: 'FORBIDDEN', c: 'TOO_MANY_REQUESTS', d: 'UNAVAILABLE' } as const;
    const { url } = await serve((h) => {
      const which = h.headers['x-case'] as string;
      if (which === 'e') throw new Error(`db down at 10.0.0.5: ${'x'.repeat(10)}`);
      throw new AckwireError(codes[which as keyof typeof codes], `refused ${which}`);
    });
    const statuses: Record<string, unknown> = {};
    for (const which of ['a', 'b', 'c', 'd', 'e']) {
      const r = await upgrade(url, { headers: { 'x-case': which } });
      expect(r.ok).toBe(false);
      if (!r.ok) statuses[which] = [r.status, r.body];
    }
    expect(statuses).toEqual({
      a: [401, 'refused a'],
      b: [403, 'refused b'],
      c: [429, 'refused c'],
      d: [503, 'refused d'],
      e: [500, 'Internal Server Error'],
    });
  });

  it('sees headers, cookies and the remote address, and passes its result to context as auth', async () => {
    const seen: Handshake[] = [];
    const { url } = await serve(
      (h) => {
        seen.push(h);
        if (h.cookies.sid !== 'abc 123') throw new AckwireError('UNAUTHORIZED', 'no session cookie');
        return { user: 'cookie-user', via: h.headers['x-forwarded-proto'] };
      },
      {
        context: ({ auth }) => {
          const a = auth as { user: string };
          return { user: a.user, role: 'member' as const, exp: Date.now() + 60_000 };
        },
      },
      { anyParams: true },
    );
    const refused = await upgrade(url, { headers: { cookie: 'sid=wrong' } });
    expect(refused.ok ? 0 : refused.status).toBe(401);

    const client = createClient(secureApi, { url, WebSocket: wsWith({ headers: { cookie: 'theme=dark; sid=abc%20123', 'x-forwarded-proto': 'https' } }) });
    later(() => client.$close());
    expect(await client.whoami()).toEqual({ user: 'cookie-user', role: 'member' });
    const last = seen.at(-1)!;
    expect(last.cookies).toEqual({ theme: 'dark', sid: 'abc 123' });
    expect(last.remoteAddress).toMatch(/127\.0\.0\.1/);
  });

  it('the real client stops for good on 401 and 403, and retries 429', async () => {
    let attempts = 0;
    const { url } = await serve((h) => {
      attempts++;
      const mode = new URL(h.url, 'http://x').searchParams.get('mode');
      if (mode === '401') throw new AckwireError('UNAUTHORIZED', 'who are you');
      if (mode === '403') throw new AckwireError('FORBIDDEN', 'banned');
      if (attempts < 3) throw new AckwireError('TOO_MANY_REQUESTS', 'slow down');
      return undefined;
    });
    for (const [mode, code] of [
      ['401', 'UNAUTHORIZED'],
      ['403', 'FORBIDDEN'],
    ] as const) {
      const client = createClient(secureApi, { url: `${url}?mode=${mode}`, reconnect: { initialDelayMs: 10 } });
      later(() => client.$close());
      const error = await client.$ready().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AckwireError);
      expect((error as AckwireError).code).toBe(code);
      expect(client.$state).toBe('closed');
    }
    attempts = 0;
    issue('t-429', 'carol');
    const client = createClient(secureApi, { url: `${url}?mode=ok`, params: { token: 't-429' }, reconnect: { initialDelayMs: 10, maxDelayMs: 20 } });
    later(() => client.$close());
    await client.$ready();
    expect(attempts).toBe(3);
    expect(await client.whoami()).toEqual({ user: 'carol', role: 'member' });
  });

  it('an authenticate that never settles is answered 503 after helloTimeoutMs', async () => {
    const { url } = await serve(() => new Promise(() => undefined), { helloTimeoutMs: 150 });
    const started = Date.now();
    const r = await upgrade(url);
    expect(r.ok ? 0 : r.status).toBe(503);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('a client that hangs up while authenticate runs is not upgraded and gives its slot back', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { server, url } = await serve(async () => {
      await gate;
      return undefined;
    });
    const ws = new WebSocket(url, ['ackwire.v1.json']);
    ws.on('error', () => undefined);
    await expect.poll(() => internals(server).admission.size).toBe(1);
    ws.terminate();
    await expect.poll(() => internals(server).admission.size).toBe(0);
    release();
    await new Promise((r) => setTimeout(r, 20));
    expect(internals(server).connections.size).toBe(0);
  });
});

describe('connection params in the hello', () => {
  it('invalid params close with 4400, a missing hello with 4408, a second hello with 4429', async () => {
    const server = makeSecureServer({ helloTimeoutMs: 200 });
    later(() => server.close());
    const { url } = await listen(server);

    const bad = await upgrade(url);
    if (!bad.ok) throw new Error('refused');
    bad.ws.send(JSON.stringify([1, 1, server.fingerprint, { token: 42 }]));
    expect((await closeOf(bad.ws)).code).toBe(4400);

    const silent = await upgrade(url);
    if (!silent.ok) throw new Error('refused');
    expect((await closeOf(silent.ws)).code).toBe(4408);

    issue('t1', 'alice');
    const twice = await upgrade(url);
    if (!twice.ok) throw new Error('refused');
    const box = inbox(twice.ws);
    twice.ws.send(JSON.stringify([1, 1, server.fingerprint, { token: 't1' }]));
    await box.next((f) => f[0] === 2);
    twice.ws.send(JSON.stringify([1, 1, server.fingerprint, { token: 't1' }]));
    expect((await closeOf(twice.ws)).code).toBe(4429);
  });

  it('an unknown token closes with 4401 and the real client reports UNAUTHORIZED without retrying', async () => {
    const server = makeSecureServer();
    later(() => server.close());
    const { url } = await listen(server);
    const closes: number[] = [];
    const client = createClient(secureApi, { url, params: { token: 'forged' }, reconnect: { initialDelayMs: 5 } });
    later(() => client.$close());
    client.$on('close', (c) => closes.push(c.code));
    await expect(client.$ready()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(closes).toEqual([4401]);
  });
});
