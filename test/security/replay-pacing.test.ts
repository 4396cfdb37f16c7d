/**
 * Replay is paced and bounded per connection: subscribes asking to resume from the start of a retained topic
 * are replayed one at a time, a slice per turn of the event loop, and no subscribe replays more than
 * limits.maxReplayEvents (the rest is a gap, said so).
 */
import type { WireSocket } from '@ackwire/server';
import { afterEach, expect, it } from 'vitest';
import { api, makeServer } from '../helpers/fixtures.js';

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
const handshake = { url: '/', headers: {}, cookies: {}, remoteAddress: '127.0.0.1', origin: undefined };

async function retained(limits: Record<string, number>, events: number) {
  // The per-second rate has its own test below; here, turns alone pace the replay.
  const server = makeServer({ limits: { replayEventsPerSecond: Infinity, ...limits } });
  servers.push(server);
  let head = { epoch: '', offset: 0 };
  for (let i = 1; i <= events; i++) head = await server.publish(api.chat.messages, { room: 'r' }, { id: i, room: 'r', text: `m${i}`, at: new Date(0) });
  const sent: string[] = [];
  const socket: WireSocket = {
    protocol: 'ackwire.v1.json',
    bufferedAmount: 0,
    send: (data) => void sent.push(typeof data === 'string' ? data : new TextDecoder().decode(data)),
    close: () => undefined,
    terminate: () => undefined,
  };
  const conn = server.accept(socket, handshake);
  conn.message(JSON.stringify([1, 1, server.fingerprint, null]));
  return { conn, sent, epoch: head.epoch };
}

it('8 subscribes resuming from offset 0 of 2,000 retained events replay one at a time, a slice per turn', async () => {
  const { conn, sent, epoch } = await retained({}, 2_000);
  for (let id = 1; id <= 8; id++) conn.message(JSON.stringify([7, id, 'chat.messages', { room: 'r' }, null, [epoch, 0]]));
  const events = (): string[] => sent.filter((f) => f.startsWith('[9,'));
  // In the turn the subscribes arrived, one slice at most.
  expect(events().length).toBeLessThanOrEqual(64);
  for (let i = 0; i < 5_000 && events().length < 16_000; i++) await turn();
  expect(events()).toHaveLength(16_000);
  // One at a time: each subscription's 2,000 events in order, then the next's.
  const offsets = events().map((f) => (JSON.parse(f) as number[])[2]);
  expect(offsets).toEqual(Array.from({ length: 8 }, () => Array.from({ length: 2_000 }, (_, i) => i + 1)).flat());
});

it('a subscribe asking for more than maxReplayEvents gets the newest ones and a retention gap before them', async () => {
  const { conn, sent, epoch } = await retained({ maxReplayEvents: 100 }, 500);
  conn.message(JSON.stringify([7, 1, 'chat.messages', { room: 'r' }, null, [epoch, 0]]));
  await expect.poll(() => sent.filter((f) => f.startsWith('[9,')).length, { timeout: 5_000, interval: 5 }).toBe(100);
  const subscribed = JSON.parse(sent.find((f) => f.startsWith('[8,'))!) as unknown[];
  expect(subscribed.slice(3)).toEqual([epoch, 400, 'retention']);
  const offsets = sent.filter((f) => f.startsWith('[9,')).map((f) => (JSON.parse(f) as number[])[2]);
  expect(offsets).toEqual(Array.from({ length: 100 }, (_, i) => 401 + i));
});

it('subscribe/unsubscribe pairs while a replay runs cost at most a slice of replay per turn', async () => {
  const { conn, sent, epoch } = await retained({}, 1_000);
  const events = (): number => sent.filter((f) => f.startsWith('[9,')).length;
  conn.message(JSON.stringify([7, 1, 'chat.messages', { room: 'r' }, null, [epoch, 0]]));
  for (let id = 2; id <= 1_001; id++) {
    conn.message(JSON.stringify([7, id, 'chat.messages', { room: 'r' }, null, [epoch, 0]]));
    conn.message(JSON.stringify([10, id]));
  }
  const perTurn: number[] = [events()];
  for (let i = 0; i < 200; i++) {
    const before = events();
    await turn();
    perTurn.push(events() - before);
  }
  expect(Math.max(...perTurn)).toBeLessThanOrEqual(64);
  // The first subscription's 1,000, and at most a slice for each turn the 2,000 frames took (64 per turn):
  // not a replay of 1,000 for each of the 1,000 subscriptions that left at once.
  expect(events()).toBeGreaterThanOrEqual(1_000);
  expect(events()).toBeLessThanOrEqual(1_000 + 64 * 32);
});

it('replay to one connection is held to replayEventsPerSecond, all its subscriptions together', async () => {
  const { conn, sent, epoch } = await retained({ replayEventsPerSecond: 10_000 }, 1_000);
  const start = performance.now();
  for (let id = 1; id <= 3; id++) conn.message(JSON.stringify([7, id, 'chat.messages', { room: 'r' }, null, [epoch, 0]]));
  await expect.poll(() => sent.filter((f) => f.startsWith('[9,')).length, { timeout: 5_000, interval: 5 }).toBe(3_000);
  // 3,000 events at 10,000 a second (64 to start with): not less than about 0.29 s.
  expect(performance.now() - start).toBeGreaterThanOrEqual(280);
});
