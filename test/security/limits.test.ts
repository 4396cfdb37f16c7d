/**
 * Limits on real sockets: connections in total and per address (refused before the upgrade), the
 * per-connection message rate, subscriptions per connection, frame size, nesting depth, header floods and
 * compression. Their defaults and the pieces they are built from are checked in packages/server/test
 * (options, admission, rate-limiter, depth).
 */
import { connect } from 'node:net';
import { createClient } from '@ackwire/client';
import { describe, expect, it } from 'vitest';
import { closeOf, issue, later, makeSecureServer, rawSession, secureApi, upgrade } from './helpers.js';
import { listen as listenWs } from '@ackwire/server/ws';
import { internals } from '../helpers/internals.js';

async function listen(overrides: Parameters<typeof makeSecureServer>[0] = {}) {
  const server = makeSecureServer(overrides);
  later(() => server.close());
  const listener = await listenWs(server);
  return { server, url: listener.url, port: listener.port };
}

describe('connection limits (before the upgrade)', () => {
  it('refuses past maxConnections with 503 and past maxConnectionsPerAddress with 429, and frees slots on close', async () => {
    const perAddress = await listen({ limits: { maxConnectionsPerAddress: 2 } });
    const a = await upgrade(perAddress.url);
    const b = await upgrade(perAddress.url);
    const c = await upgrade(perAddress.url);
    expect([a.ok, b.ok, c.ok]).toEqual([true, true, false]);
    expect(c.ok ? 0 : c.status).toBe(429);
    if (a.ok) a.ws.terminate();
    await expect.poll(() => internals(perAddress.server).admission.size).toBe(1);
    expect((await upgrade(perAddress.url)).ok).toBe(true);

    const total = await listen({ limits: { maxConnections: 1 } });
    expect((await upgrade(total.url)).ok).toBe(true);
    const refused = await upgrade(total.url);
    expect(refused.ok ? 0 : refused.status).toBe(503);
  });

  it('gives the slot back on every way a connection ends: refused, upgraded and closed, or failed in the handshake', async () => {
    const { server, url, port } = await listen({ limits: { maxConnectionsPerAddress: 1 } });
    // Upgraded, then closed with 4406: no version in common, but the client offered the negotiation token.
    const negotiating = await upgrade(url, { protocols: ['ackwire.v0.json', 'ackwire'] });
    expect(negotiating.ok).toBe(true);
    if (negotiating.ok) expect((await closeOf(negotiating.ws)).code).toBe(4406);
    await expect.poll(() => internals(server).admission.size).toBe(0);
    // A handshake that ws itself rejects (no Sec-WebSocket-Key): answered 400 before any WebSocket exists.
    const raw = connect(port, '127.0.0.1');
    raw.write(
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ackwire.v1.json\r\n\r\n',
    );
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      raw.on('data', (d) => (text += d.toString()));
      raw.on('close', () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    await expect.poll(() => internals(server).admission.size).toBe(0);
    // The one slot of this address is free again: a normal connection gets it.
    const ok = await upgrade(url);
    expect(ok.ok).toBe(true);
    expect(internals(server).admission.size).toBe(1);
  });

  it('gives the slot back once when the client leaves while authenticate is running', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let asked = 0;
    const { server, url, port } = await listen({
      limits: { maxConnectionsPerAddress: 1 },
      authenticate: async () => {
        asked++;
        await gate;
        return { user: 'anyone' };
      },
    });
    const raw = connect(port, '127.0.0.1');
    raw.write(
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: ackwire.v1.json\r\n\r\n',
    );
    await expect.poll(() => asked).toBe(1);
    expect(internals(server).admission.size).toBe(1);
    // Nothing reads the socket until the upgrade, so the server learns that it is gone only afterwards.
    raw.destroy();
    open();
    await expect.poll(() => internals(server).admission.size).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(internals(server).admission.size).toBe(0);
    // The address still has exactly one slot.
    const [first, second] = await Promise.all([upgrade(url), upgrade(url)]);
    expect([first.ok, second.ok].sort()).toEqual([false, true]);
    expect(internals(server).admission.size).toBe(1);
  });

  it('counts under clientAddress when configured (one proxy address, many clients)', async () => {
    const { url } = await listen({
      limits: { maxConnectionsPerAddress: 1 },
      clientAddress: (h) => String(h.headers['x-forwarded-for'] ?? h.remoteAddress).split(',').at(-1)!.trim(),
    });
    expect((await upgrade(url, { headers: { 'x-forwarded-for': '203.0.113.1' } })).ok).toBe(true);
    expect((await upgrade(url, { headers: { 'x-forwarded-for': '203.0.113.2' } })).ok).toBe(true);
    const again = await upgrade(url, { headers: { 'x-forwarded-for': '198.51.100.9, 203.0.113.1' } });
    expect(again.ok ? 0 : again.status).toBe(429);
  });

});

describe('message rate', () => {
  it('a connection that floods frames is closed with 4420; other connections are not affected', async () => {
    issue('t', 'alice');
    const { server, url } = await listen({ limits: { messagesPerSecond: 20, messageBurst: 20 } });
    const flood = await rawSession(url, server.fingerprint, { token: 't' });
    const calm = await rawSession(url, server.fingerprint, { token: 't' });
    const closed = closeOf(flood.ws);
    for (let i = 0; i < 100; i++) flood.ws.send('[14]');
    expect(await closed).toEqual({ code: 4420, reason: 'message rate limit exceeded' });
    calm.ws.send(JSON.stringify([3, 1, 'notes.read', { owner: 'alice' }]));
    expect(await calm.box.next((f) => f[0] === 5)).toEqual([5, 1, { owner: 'alice', text: 'notes of alice' }]);
  });

  it('WebSocket ping frames count too', async () => {
    issue('t', 'alice');
    const { server, url } = await listen({ limits: { messagesPerSecond: 10, messageBurst: 10 } });
    const { ws } = await rawSession(url, server.fingerprint, { token: 't' });
    const closed = closeOf(ws);
    for (let i = 0; i < 50; i++) ws.ping();
    expect((await closed).code).toBe(4420);
  });

  it('an honest client over the rate is slowed down, not cut off: reading pauses until the bucket refills', async () => {
    issue('t', 'alice');
    let runs = 0;
    const { url } = await listen({
      limits: { messagesPerSecond: 50, messageBurst: 10 },
      handlers: {
        whoami: (_i, { ctx }) => {
          runs++;
          return { user: ctx.user, role: ctx.role };
        },
        notes: { read: ({ owner }) => ({ owner, text: '' }), slow: async () => 'done' as const, feed: ({ owner }) => owner },
        admin: { stats: () => ({ sessions: 0 }) },
        echo: (x) => x,
        record: (x) => Object.keys(x),
        boom: () => undefined,
      },
    });
    const client = createClient(secureApi, { url, params: { token: 't' } });
    later(() => client.$close());
    const closes: number[] = [];
    client.$on('close', (c) => closes.push(c.code));
    await client.$ready();
    const started = Date.now();
    for (let i = 0; i < 60; i++) expect((await client.whoami()).user).toBe('alice');
    // 10 at once, then 50 at 50 per second: about a second, instead of a few milliseconds.
    expect(Date.now() - started).toBeGreaterThan(700);
    expect(closes).toEqual([]);
    expect(runs).toBe(60);
  });
});

describe('subscriptions per connection', () => {
  it('past limits.maxSubscriptions a subscribe gets TOO_MANY_REQUESTS', async () => {
    issue('t', 'alice');
    const { server, url } = await listen({ limits: { maxSubscriptions: 2 } });
    const { ws, box } = await rawSession(url, server.fingerprint, { token: 't' });
    for (const id of [1, 2, 3]) ws.send(JSON.stringify([7, id, 'notes.feed', { owner: `o${id}` }]));
    expect(await box.next((f) => f[0] === 6)).toEqual([6, 3, 'TOO_MANY_REQUESTS', 'Too many subscriptions']);
    ws.send(JSON.stringify([10, 1]));
    ws.send(JSON.stringify([7, 4, 'notes.feed', { owner: 'o4' }]));
    expect((await box.next((f) => f[0] === 8 && f[1] === 4))[1]).toBe(4);
  });
});

describe('frame size and nesting', () => {
  it('a frame over maxPayload closes with 1009, also when it arrives in many small fragments', async () => {
    issue('t', 'alice');
    const server = makeSecureServer();
    later(() => server.close());
    const listener = await listenWs(server, { maxPayload: 64 * 1024 });
    const one = await rawSession(listener.url, server.fingerprint, { token: 't' });
    const closedOne = closeOf(one.ws);
    one.ws.send(JSON.stringify([3, 1, 'echo', 'x'.repeat(70 * 1024)]));
    expect((await closedOne).code).toBe(1009);

    const frag = await rawSession(listener.url, server.fingerprint, { token: 't' });
    const closedFrag = closeOf(frag.ws);
    const chunk = 'x'.repeat(1024);
    frag.ws.send('[3,1,"echo","', { fin: false });
    for (let i = 0; i < 100; i++) frag.ws.send(chunk, { fin: false });
    frag.ws.send('"]', { fin: true });
    expect((await closedFrag).code).toBe(1009);
  });

  it('a call nested too deeply gets PAYLOAD_TOO_LARGE and the connection stays; other deep frames close with 4400', async () => {
    issue('t', 'alice');
    const { server, url } = await listen();
    const { ws, box } = await rawSession(url, server.fingerprint, { token: 't' });
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    ws.send(`[3,5,"echo",${deep}]`);
    expect(await box.next((f) => f[0] === 6)).toEqual([6, 5, 'PAYLOAD_TOO_LARGE', 'Nested deeper than 64 levels']);
    ws.send(JSON.stringify([3, 6, 'notes.read', { owner: 'alice' }]));
    expect((await box.next((f) => f[0] === 5))[1]).toBe(6);
    const closed = closeOf(ws);
    ws.send(`[12,0,${deep}]`);
    expect(await closed).toEqual({ code: 4400, reason: 'frame nested too deeply' });

    const early = await upgrade(url);
    if (!early.ok) throw new Error('refused');
    const closedEarly = closeOf(early.ws);
    early.ws.send(`[1,1,"${server.fingerprint}",{"token":${deep}}]`);
    expect((await closedEarly).code).toBe(4400);
  });

  it('paths and ids past the protocol limits close with 4400', async () => {
    issue('t', 'alice');
    const { server, url } = await listen();
    for (const frame of [
      [3, 1, 'x'.repeat(257), null],
      [3, 2 ** 53, 'whoami', null],
      [3, 0, 'whoami', null],
      [3, 1.5, 'whoami', null],
      [3, '1', 'whoami', null],
    ]) {
      const { ws } = await rawSession(url, server.fingerprint, { token: 't' });
      const closed = closeOf(ws);
      ws.send(JSON.stringify(frame));
      expect((await closed).code, JSON.stringify(frame).slice(0, 40)).toBe(4400);
    }
  });
});

describe('HTTP upgrade hardening', () => {
  function rawRequest(port: number, head: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(head));
      let out = '';
      socket.setEncoding('latin1');
      socket.on('data', (d: string) => (out += d));
      socket.on('close', () => resolve(out));
      socket.on('error', reject);
      setTimeout(() => socket.destroy(), 2000).unref();
    });
  }
  const upgradeHead = (extra: string) =>
    `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n${extra}Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;

  it('a header flood, a huge subprotocol list and oversized headers are refused without harm', async () => {
    const { server, port, url } = await listen();
    const many = Array.from({ length: 2100 }, (_, i) => `X-${i}: y\r\n`).join('');
    const flood = await rawRequest(port, upgradeHead(many));
    expect(flood).toMatch(/^HTTP\/1\.1 400 /);
    const tokens = await rawRequest(port, upgradeHead(`Sec-WebSocket-Protocol: ${' ,'.repeat(7000)}ackwire.v1.json\r\n`));
    expect(tokens).toMatch(/^HTTP\/1\.1 400 /);
    const big = await rawRequest(port, upgradeHead(`X-Big: ${'a'.repeat(20_000)}\r\n`));
    expect(big).toMatch(/^HTTP\/1\.1 431 /);
    issue('t', 'alice');
    const after = await rawSession(url, server.fingerprint, { token: 't' });
    expect(after.welcome[0]).toBe(2);
  });

  it('permessage-deflate is off unless configured', async () => {
    const plain = await listen();
    const off = await upgrade(plain.url, { perMessageDeflate: true });
    expect(off.ok && off.ws.extensions).toBe('');
    const server = makeSecureServer();
    later(() => server.close());
    const compressed = await listenWs(server, { perMessageDeflate: true });
    const on = await upgrade(compressed.url, { perMessageDeflate: true });
    expect(on.ok && on.ws.extensions).toMatch(/^permessage-deflate/);
  });
});
