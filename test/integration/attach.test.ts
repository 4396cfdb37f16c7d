/** attach() on an application's own HTTP server, beside other WebSocket endpoints. */
import { createServer as createHttpServer } from 'node:http';
import { createClient } from '@ackwire/client';
import { contract, procedure } from '@ackwire/core';
import { createServer, MemoryBroker } from '@ackwire/server';
import { afterEach, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { z } from 'zod';
import { attach } from '@ackwire/server/ws';

const api = contract({ ping: procedure({ input: z.void(), output: z.literal('pong') }) });
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it('shares an HTTP server with another WebSocket endpoint, and reads its port after listen', async () => {
  const http = createHttpServer();
  const server = createServer(api, { handlers: { ping: () => 'pong' as const } });
  const listener = attach(server, { server: http, path: '/ackwire' }); // before listen
  const other = new WebSocketServer({ noServer: true });
  http.on('upgrade', (req, socket, head) => {
    if (req.url === '/other') other.handleUpgrade(req, socket, head, (ws) => ws.send('hello from other'));
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => http.close(() => r())));
  cleanups.push(() => server.close());
  cleanups.push(() => other.close());
  expect(listener.port).toBe((http.address() as { port: number }).port);

  const client = createClient(api, { url: listener.url });
  cleanups.push(() => client.$close());
  expect(await client.ping()).toBe('pong');

  const ws = new WebSocket(`ws://127.0.0.1:${listener.port}/other`);
  cleanups.push(() => ws.terminate());
  const text = await new Promise<string>((resolve) => ws.on('message', (d) => resolve(String(d))));
  expect(text).toBe('hello from other');
});

it('close() leaves a broker passed in open, and closes the one it made', async () => {
  const broker = new MemoryBroker();
  let closed = 0;
  const close = broker.close.bind(broker);
  broker.close = () => {
    closed++;
    close();
  };
  const server = createServer(api, { broker, handlers: { ping: () => 'pong' as const } });
  await server.close();
  expect(closed).toBe(0);
  broker.close();
});
