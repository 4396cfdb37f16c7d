/**
 * The transport holds nothing for a client that stalls or leaves: an upgrade request trickled a byte at a
 * time is dropped at its deadline, a client that hangs up while `authenticate` runs gives its connection slot
 * back at once, and a frame past the size limit gets its 1009 close frame rather than a reset.
 */
import { connect, type Socket } from 'node:net';
import { expect, it } from 'vitest';
import { listen } from '@ackwire/server/ws';
import WebSocket from 'ws';
import { internals } from '../helpers/internals.js';
import { closeOf, issue, later, makeSecureServer, rawSession } from './helpers.js';

it('an upgrade request trickled one byte at a time is dropped at the upgrade deadline', async () => {
  const server = makeSecureServer();
  later(() => server.close());
  const listener = await listen(server, { upgradeTimeoutMs: 300 });
  const socket: Socket = connect(listener.port, '127.0.0.1');
  later(() => socket.destroy());
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
  socket.on('error', () => undefined);
  await new Promise((r) => socket.once('connect', r));
  const start = Date.now();
  const request = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n';
  let i = 0;
  const trickle = setInterval(() => {
    if (!socket.destroyed) socket.write(request[i++ % request.length]!);
  }, 50);
  later(() => clearInterval(trickle));
  const outcome = await Promise.race([closed.then((at) => at - start), new Promise<'held'>((r) => setTimeout(r, 4_000, 'held'))]);
  expect(outcome).not.toBe('held');
  expect(outcome as number).toBeLessThan(3_000);
});

it('an upgraded connection outlives the upgrade deadline', async () => {
  issue('t', 'alice');
  const server = makeSecureServer();
  later(() => server.close());
  const listener = await listen(server, { upgradeTimeoutMs: 200 });
  const raw = await rawSession(listener.url, server.fingerprint, { token: 't' });
  await new Promise((r) => setTimeout(r, 1_500));
  expect(raw.ws.readyState).toBe(WebSocket.OPEN);
});

it('a client that hangs up while authenticate runs gives its connection slot back at once', async () => {
  let settle!: () => void;
  const pending = new Promise<void>((r) => (settle = r));
  const server = makeSecureServer({ helloTimeoutMs: 60_000, authenticate: () => pending, limits: { maxConnectionsPerAddress: 1 } });
  later(() => server.close());
  later(() => settle());
  const listener = await listen(server);
  const first = new WebSocket(listener.url, ['ackwire.v1.json']);
  first.on('error', () => undefined);
  await expect.poll(() => internals(server).admission.size, { timeout: 3_000 }).toBe(1);
  first.terminate();
  await expect.poll(() => internals(server).admission.size, { timeout: 3_000 }).toBe(0);
});

it('a client that reads late gets its 1009 for a frame past maxPayload, not a reset', async () => {
  issue('t', 'alice');
  const server = makeSecureServer();
  later(() => server.close());
  const listener = await listen(server, { maxPayload: 64 * 1024 });
  const raw = await rawSession(listener.url, server.fingerprint, { token: 't' });
  const closed = closeOf(raw.ws);
  // A busy client: it does not read for a while, so the server's answers (and then its close frame) queue up.
  const socket = (raw.ws as unknown as { _socket: import('node:net').Socket })._socket;
  socket.pause();
  const text = 'x'.repeat(60 * 1024);
  for (let id = 1; id <= 64; id++) raw.ws.send(JSON.stringify([3, id, 'echo', text]));
  await new Promise((r) => setTimeout(r, 200));
  // Fragments past the limit, still coming after the server refused the message.
  raw.ws.send('[3,100,"echo","', { fin: false });
  for (let i = 0; i < 16; i++) {
    raw.ws.send(text.slice(0, 16 * 1024), { fin: false });
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 200));
  socket.resume();
  expect((await closed).code).toBe(1009);
});
