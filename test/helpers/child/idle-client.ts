/**
 * Run in a child process by test/integration/idle-exit.test.ts: a client that is never closed.
 *
 * - `idle`: it used a server, which then goes away; nothing else happens, so the process must exit.
 * - `pending`: the same, but a call waits for the server, so the process must stay.
 * - `ready`: the same, but `$ready()` waits for the server, so the process must stay.
 * - `silent`: its server accepts TCP connections and never answers the upgrade (heartbeats far away), and
 *   nothing waits for it: the process must exit while the client is still connecting.
 */
import { createServer as createTcpServer } from 'node:net';
import { createClient } from '@ackwire/client';
import { contract, procedure } from '@ackwire/core';
import { createServer } from '@ackwire/server';
import * as z from 'zod';
import { listen } from '@ackwire/server/ws';

const mode = process.argv[2];
const api = contract({ ping: procedure({ input: z.void(), output: z.literal('pong') }) });

if (mode === 'silent') {
  const silent = createTcpServer((socket) => socket.unref());
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
  silent.unref(); // only the client may keep the process alive
  const port = (silent.address() as { port: number }).port;
  const client = createClient(api, { url: `ws://127.0.0.1:${port}/`, heartbeat: { idleMs: 60_000, timeoutMs: 60_000 } });
  client.$on('state', (state) => console.log(`state ${state}`));
  console.log('connecting to a silent server');
} else {
  const server = createServer(api, { handlers: { ping: () => 'pong' as const }, logger: { error: () => undefined, warn: () => undefined } });
  const { url } = await listen(server, { port: 0 });
  const client = createClient(api, { url, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
  client.$on('close', (info) => console.log(`close ${info.willRetry ? 'retrying' : 'final'}`));
  await client.ping();
  const reconnecting = new Promise<void>((resolve) => client.$on('state', (state) => state === 'reconnecting' && resolve()));
  await server.close();
  await reconnecting;
  if (mode === 'pending') {
    client.ping().then(
      () => console.log('answered'),
      (err: Error) => console.log(`failed ${err.message}`),
    );
  }
  if (mode === 'ready') {
    client.$ready().then(
      () => console.log('ready'),
      (err: Error) => console.log(`failed ${err.message}`),
    );
  }
  console.log('server closed');
}
