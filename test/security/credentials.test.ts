/**
 * Credentials inside a live connection: refreshed with `$authenticate` without reconnecting, enforced at
 * their expiry, revoked with `server.revoke`. Resuming a session runs authentication again, so a revoked
 * session or an expired credential cannot resume.
 */
import { createClient } from '@ackwire/client';
import { AckwireError } from '@ackwire/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { abortableSleep } from '../helpers/sleep.js';
import { closeOf, handshakeOf, inbox, issue, later, makeSecureServer, rawSession, secureApi, tokens, upgrade } from './helpers.js';
import { listen } from '@ackwire/server/ws';
import { internals } from '../helpers/internals.js';
import { fakeWireSocket } from '../helpers/fake-socket.js';

async function start(overrides: Parameters<typeof makeSecureServer>[0] = {}) {
  const server = makeSecureServer(overrides);
  later(() => server.close());
  const { url } = await listen(server);
  const client = (token: string, extra: Partial<Omit<Parameters<typeof createClient>[1], 'params'>> = {}) => {
    const c = createClient(secureApi, { url, params: { token }, reconnect: { initialDelayMs: 10, maxDelayMs: 20 }, ...extra });
    later(() => c.$close());
    const closes: Array<{ code: number; reason: string }> = [];
    const sessions: boolean[] = [];
    c.$on('close', (info) => closes.push({ code: info.code, reason: info.reason }));
    c.$on('session', (info) => sessions.push(info.resumed));
    return Object.assign(c, { closes, sessions });
  };
  return { server, url, client };
}

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as AckwireError,
  );

describe('$authenticate: refreshed credentials without reconnecting', () => {
  it('replaces the context for later calls on the same connection', async () => {
    issue('a', 'alice');
    issue('b', 'bob', 'admin');
    const { client } = await start();
    const c = client('a');
    expect(await c.whoami()).toEqual({ user: 'alice', role: 'member' });
    await c.$authenticate({ token: 'b' });
    expect(await c.whoami()).toEqual({ user: 'bob', role: 'admin' });
    expect(c.closes).toEqual([]);
    expect(c.sessions).toEqual([false]);
  });

  it('a refused refresh rejects with the server error and keeps the current credentials, also for reconnects', async () => {
    issue('a', 'alice');
    const { server, client } = await start();
    const c = client('a');
    await c.$ready();
    expect(await errorOf(c.$authenticate({ token: 'forged' }))).toMatchObject({ code: 'UNAUTHORIZED', message: 'Invalid or expired token' });
    expect(await errorOf(c.$authenticate({ token: 42 } as unknown as { token: string }))).toMatchObject({ code: 'BAD_REQUEST', message: 'Invalid connection params' });
    expect(await c.whoami()).toEqual({ user: 'alice', role: 'member' });
    for (const conn of internals(server).connections) conn.close(1001, 'restart');
    await expect.poll(() => c.sessions.length).toBe(2);
    expect(await c.whoami()).toEqual({ user: 'alice', role: 'member' });
    expect(c.sessions).toEqual([false, true]);
  });

  it('a refresh cut off by a reconnect settles with the next hello, which carries the new params', async () => {
    issue('a', 'alice');
    issue('b', 'bob');
    let gate: (() => void) | undefined;
    const { server, client } = await start({
      context: async ({ params }) => {
        if (params.token === 'b' && !gate) await new Promise<void>((r) => (gate = r));
        const found = tokens.get(params.token);
        if (!found) throw new AckwireError('UNAUTHORIZED', 'no');
        return { ...found };
      },
    });
    const c = client('a');
    await c.$ready();
    const refreshed = c.$authenticate({ token: 'b' });
    await expect.poll(() => gate).toBeDefined();
    for (const conn of internals(server).connections) conn.close(1001, 'restart');
    await refreshed;
    expect(await c.whoami()).toEqual({ user: 'bob', role: 'member' });
    gate!();
  });

  it('a refresh still waiting when the client is closed rejects with CONNECTION_CLOSED', async () => {
    issue('a', 'alice');
    issue('b', 'bob');
    let asked = false;
    const { client } = await start({
      context: async ({ params }) => {
        if (params.token === 'b') {
          asked = true;
          await new Promise(() => undefined); // never answers
        }
        return { ...tokens.get(params.token)! };
      },
    });
    const c = client('a');
    await c.$ready();
    const waiting = c.$authenticate({ token: 'b' });
    await expect.poll(() => asked).toBe(true);
    c.$close();
    expect(await errorOf(waiting)).toMatchObject({ code: 'CONNECTION_CLOSED' });
    // Asked for in the same turn as the close: it cannot reach the server, and must not hang.
    const d = client('a');
    await d.$ready();
    const late = d.$authenticate({ token: 'a' });
    d.$close();
    expect(await errorOf(late)).toMatchObject({ code: 'CONNECTION_CLOSED' });
  });

  it('extends an expiring connection', async () => {
    // Long enough for the refresh on a busy machine; the wait below is for that deadline, not a guess.
    issue('short', 'alice', 'member', 1_000);
    issue('long', 'alice', 'member', 60_000);
    const { client } = await start();
    const c = client('short');
    await c.$ready();
    await c.$authenticate({ token: 'long' });
    const shortExpiry = tokens.get('short')!.exp;
    await new Promise((r) => setTimeout(r, Math.max(0, shortExpiry - Date.now()) + 150));
    expect(await c.whoami()).toEqual({ user: 'alice', role: 'member' });
    expect(c.closes).toEqual([]);
  });
});

describe('expiry', () => {
  it('a silent connection is closed with 4401 when its credentials expire; the client stops with UNAUTHORIZED', async () => {
    issue('short', 'alice', 'member', 200);
    const { client } = await start();
    const c = client('short');
    const started = Date.now();
    const failed = new Promise<AckwireError>((resolve) => c.$on('error', resolve));
    c.notes.feed.subscribe({ owner: 'alice' }, { onData: () => undefined });
    expect((await failed).code).toBe('UNAUTHORIZED');
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(c.closes).toEqual([{ code: 4401, reason: 'credentials expired' }]);
    expect(c.$state).toBe('closed');
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('is checked on every frame, even before its timer fires', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    issue('t', 'alice', 'member', 60_000);
    const server = makeSecureServer();
    later(() => server.close());
    const closes: number[] = [];
    const socket = fakeWireSocket({ onClose: (code) => void closes.push(code) });
    const sent = socket.sent;
    const conn = server.accept(socket, handshakeOf());
    conn.message(JSON.stringify([1, 1, server.fingerprint, { token: 't' }]));
    await vi.waitFor(() => expect(sent[0]).toMatch(/^\[2,/));
    conn.message('[14]');
    expect(sent.at(-1)).toBe('[15]');
    const before = sent.length;
    vi.setSystemTime(Date.now() + 61_000);
    conn.message('[14]');
    expect(closes).toEqual([4401]);
    expect(sent.length).toBe(before);
  });

  it('an expired credential cannot resume its session', async () => {
    issue('t', 'alice', 'member', 60_000);
    const { server, url } = await start();
    const first = await rawSession(url, server.fingerprint, { token: 't' });
    const [, , sessionId, resumeToken] = first.welcome as [number, number, string, string];
    first.ws.terminate();
    tokens.get('t')!.exp = Date.now() - 1;
    const up = await upgrade(url);
    if (!up.ok) throw new Error('refused');
    const closed = closeOf(up.ws);
    up.ws.send(JSON.stringify([1, 1, server.fingerprint, { token: 't' }, [sessionId, resumeToken]]));
    expect(await closed).toEqual({ code: 4401, reason: 'Invalid or expired token' });
  });

  it('expiresAt that throws counts as expired', async () => {
    issue('t', 'alice');
    const { client } = await start({
      expiresAt: () => {
        throw new Error('bad claims');
      },
    });
    const c = client('t');
    expect(await errorOf(c.$ready())).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(c.closes).toEqual([{ code: 4401, reason: 'credentials expired' }]);
  });
});

describe('revoke', () => {
  it('closes every connection of the user with 4401, aborts their calls, and leaves others alone', async () => {
    issue('a1', 'alice');
    issue('a2', 'alice');
    issue('b', 'bob');
    const aborted: string[] = [];
    const { server, client } = await start({
      handlers: {
        whoami: (_i, { ctx }) => ({ user: ctx.user, role: ctx.role }),
        notes: {
          read: ({ owner }) => ({ owner, text: '' }),
          slow: async ({ ms }, { signal, ctx }) => {
            signal.addEventListener('abort', () => aborted.push(ctx.user));
            await abortableSleep(ms, signal);
            return 'done' as const;
          },
          feed: ({ owner }) => owner,
        },
        admin: { stats: () => ({ sessions: 0 }) },
        echo: (x) => x,
        record: (x) => Object.keys(x),
        boom: () => undefined,
      },
    });
    const alice1 = client('a1');
    const alice2 = client('a2');
    const bob = client('b');
    await Promise.all([alice1.$ready(), alice2.$ready(), bob.$ready()]);
    const running = alice1.notes.slow({ ms: 5_000 });
    await running.received;
    expect(server.revoke((ctx) => ctx.user === 'alice')).toBe(2);
    expect(await errorOf(running)).toMatchObject({ code: 'UNAUTHORIZED', message: 'credentials revoked' });
    expect(await errorOf(alice2.whoami())).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(alice1.closes).toEqual([{ code: 4401, reason: 'credentials revoked' }]);
    expect(alice1.$state).toBe('closed');
    expect(aborted).toEqual(['alice']);
    expect(await bob.whoami()).toEqual({ user: 'bob', role: 'member' });
    expect(server.revoke((ctx) => ctx.user === 'alice')).toBe(0);
  });

  it('ends detached sessions too: a revoked session cannot be resumed, even with valid credentials', async () => {
    issue('t', 'alice');
    const { server, url } = await start();
    const live = await rawSession(url, server.fingerprint, { token: 't' });
    const detached = await rawSession(url, server.fingerprint, { token: 't' });
    const ids = [live.welcome, detached.welcome].map((w) => [w[2], w[3]] as [string, string]);
    detached.ws.terminate();
    await expect.poll(() => internals(server).connections.size).toBe(1);
    const liveClosed = closeOf(live.ws);
    expect(server.revoke((ctx, info) => ctx.user === 'alice' && info.sessionId.length > 0, 'account locked')).toBe(2);
    expect(await liveClosed).toEqual({ code: 4401, reason: 'account locked' });
    for (const [sessionId, resumeToken] of ids) {
      const up = await upgrade(url);
      if (!up.ok) throw new Error('refused');
      const box = inbox(up.ws);
      up.ws.send(JSON.stringify([1, 1, server.fingerprint, { token: 't' }, [sessionId, resumeToken]]));
      const welcome = await box.next((f) => f[0] === 2);
      expect(welcome[4]).toBe(0); // a new session, not the revoked one
      expect(welcome[2]).not.toBe(sessionId);
    }
  });

  it('the real client with a saved session gets a new one after a revoke', async () => {
    issue('t', 'alice');
    const { server, client } = await start();
    const first = client('t');
    await first.$ready();
    const saved = first.$session!;
    server.revoke((ctx) => ctx.user === 'alice');
    await expect.poll(() => first.$state).toBe('closed');
    const second = client('t', { session: saved });
    await second.$ready();
    expect(second.sessions).toEqual([false]);
    expect(second.$sessionId).not.toBe(saved.id);
  });
});
