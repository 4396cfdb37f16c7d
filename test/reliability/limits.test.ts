/** The client respects the limits the server announces in its welcome, instead of tripping over them. */
import { createClient, type WebSocketLike } from '@ackwire/client';
import { inMemoryWebSocket } from '../helpers/in-memory-socket.js';
import { AckwireError, contract, procedure } from '@ackwire/core';
import { expect, it } from 'vitest';
import { z } from 'zod';
import { api as jobsApi, harness, type Harness } from '../helpers/reliability.js';
import { createServer } from '@ackwire/server';
import { listen } from '@ackwire/server/ws';
import { later } from '../helpers/cleanup.js';

let h: Harness | undefined;

it('more calls at once than the server allows in flight all succeed: the client holds the rest back', async () => {
  h = await harness({ limits: { maxInFlight: 16 } });
  const client = h.client();
  const results = await Promise.all(Array.from({ length: 500 }, (_, i) => client.jobs.run({ key: `w${i}`, ms: i % 3 })));
  expect(results.map((r) => r.key)).toEqual(Array.from({ length: 500 }, (_, i) => `w${i}`));
  expect(h.runs.size).toBe(500);
});

it('a call larger than the server accepts fails with PAYLOAD_TOO_LARGE and the connection stays up', async () => {
  const api = contract({ put: procedure({ input: z.string(), output: z.number() }) });
  const server = createServer(api, { handlers: { put: (s) => s.length }, logger: { error: () => undefined, warn: () => undefined } });
  const listener = await listen(server, { port: 0, maxPayload: 1000 });
  later(() => server.close());
  const client = createClient(api, { url: listener.url });
  later(() => client.$close());
  const closes: number[] = [];
  client.$on('close', (c) => closes.push(c.code));
  expect(await client.put('small')).toBe(5);
  await expect(client.put('x'.repeat(5000))).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  expect(await client.put('again')).toBe(5);
  expect(closes).toEqual([]);
});

it('a timeout beyond what timers hold (2^31-1 ms) does not fire at once', async () => {
  h = await harness();
  const client = h.client();
  expect(await client.jobs.run({ key: 'long', ms: 30 }, { timeoutMs: 3e9 })).toEqual({ key: 'long', runs: 1 });
});

it('an error from the server counts as the receipt', async () => {
  h = await harness();
  h.during.set('bad', () => {
    throw new AckwireError('CONFLICT', 'taken');
  });
  const client = h.client();
  const call = client.jobs.run({ key: 'bad' });
  await expect(call).rejects.toMatchObject({ code: 'CONFLICT' });
  await expect(call.received).resolves.toBeUndefined();
});

it('a handler throwing a client-only code sends INTERNAL_ERROR, and the client stays up', async () => {
  h = await harness();
  h.during.set('odd', () => {
    throw new AckwireError('RESULT_UNKNOWN', 'not a server code');
  });
  const client = h.client();
  await expect(client.jobs.run({ key: 'odd' })).rejects.toMatchObject({ code: 'INTERNAL_ERROR', message: 'Internal server error' });
  expect(await client.jobs.run({ key: 'fine' })).toEqual({ key: 'fine', runs: 1 });
  expect(client.$state).toBe('open');
});

it('the first calls of a new session follow the hello at once, without waiting a round trip for the welcome', async () => {
  h = await harness();
  const wire = { sent: [] as string[], received: [] as string[] };
  const Socket = inMemoryWebSocket(h.server, wire);
  const receivedWhenSent: number[] = [];
  const send = Socket.prototype.send;
  Socket.prototype.send = function (this: InstanceType<typeof Socket>, text: string) {
    receivedWhenSent.push(wire.received.length);
    send.call(this, text);
  };
  const client = createClient(jobsApi, { url: 'memory://', WebSocket: Socket as unknown as WebSocketLike });
  later(() => client.$close());
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) => client.jobs.run({ key: `e${i}` })));
  expect(results).toHaveLength(12);
  const types = wire.sent.map((f) => (JSON.parse(f) as number[])[0]);
  expect(types.slice(0, 9)).toEqual([1, 3, 3, 3, 3, 3, 3, 3, 3]); // hello, then 8 calls
  expect(receivedWhenSent.slice(0, 9)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]); // before any server frame
  expect(h.runs.size).toBe(12);
});
