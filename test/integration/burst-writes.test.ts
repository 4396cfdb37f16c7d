/**
 * A burst of publishes made in one synchronous loop: the sockets' corked frames are written out while the
 * loop still runs (the first events leave at once instead of after every delivery of the burst), and the
 * burst costs a handful of writes per socket, not one per event.
 */
import { TickCorker } from '@ackwire/core/internal';
import type { WireSocket } from '@ackwire/server';
import { afterEach, expect, it } from 'vitest';
import { api, makeServer } from '../helpers/fixtures.js';

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

const handshake = { url: '/', headers: {}, cookies: {}, remoteAddress: '127.0.0.1', origin: undefined };
const message = (i: number) => ({ id: i, room: 'r', text: `m${i}`, at: new Date(0) });

/** A subscriber whose socket corks like the ws binding's: `log` has its sends and its writes (uncorks). */
function subscriber(server: ReturnType<typeof makeServer>) {
  const log: string[] = [];
  const corker = new TickCorker({ cork: () => undefined, uncork: () => void log.push('write') });
  const socket: WireSocket = {
    protocol: 'ackwire.v1.json',
    bufferedAmount: 0,
    send: (data) => {
      corker.cork();
      const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
      if (text.startsWith('[9,')) log.push(`event ${(JSON.parse(text) as number[])[2]}`);
    },
    close: () => undefined,
    terminate: () => undefined,
  };
  const conn = server.accept(socket, handshake);
  conn.message(JSON.stringify([1, 1, server.fingerprint, null]));
  conn.message(JSON.stringify([7, 1, 'chat.messages', { room: 'r' }]));
  return log;
}

it('1,000 subscribers x 200 events in one synchronous loop: the first event is written before the loop returns, in a handful of writes per socket', async () => {
  const server = makeServer();
  servers.push(server);
  const logs = Array.from({ length: 1_000 }, () => subscriber(server));
  await new Promise((r) => setImmediate(r));
  for (const log of logs) log.length = 0;
  for (let i = 1; i <= 200; i++) void server.publish(api.chat.messages, { room: 'r' }, message(i));
  // The loop has returned, its tick has not ended: the first events were written from inside the loop.
  for (const log of logs) {
    const firstWrite = log.indexOf('write');
    expect(firstWrite).toBeGreaterThan(0);
    expect(firstWrite).toBeLessThanOrEqual(2);
  }
  await new Promise((r) => setImmediate(r));
  for (const log of logs) {
    expect(log.filter((l) => l.startsWith('event'))).toEqual(Array.from({ length: 200 }, (_, i) => `event ${i + 1}`));
    const writes = log.filter((l) => l === 'write').length;
    expect(writes).toBeGreaterThanOrEqual(2);
    expect(writes).toBeLessThanOrEqual(12);
    expect(log.at(-1)).toBe('write');
  }
});

it('one event to a few subscribers is written once, at the end of the turn, with what else the turn wrote', async () => {
  const server = makeServer();
  servers.push(server);
  const logs = Array.from({ length: 10 }, () => subscriber(server));
  await new Promise((r) => setImmediate(r));
  for (const log of logs) log.length = 0;
  void server.publish(api.chat.messages, { room: 'r' }, message(1));
  for (const log of logs) expect(log).toEqual(['event 1']);
  await new Promise((r) => process.nextTick(r));
  for (const log of logs) expect(log).toEqual(['event 1', 'write']);
});
