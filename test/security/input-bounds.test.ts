/**
 * What one connection's input may cost the process: frames that arrive together are handled a slice per
 * turn of the event loop (reading pauses meanwhile), frames behind one that waits for the session store
 * wait in the same queue under the same bound, and frames held before the welcome are bounded by size as
 * well as by count.
 */
import { MemorySessionStore, type WireSocket } from '@ackwire/server';
import { listen as listenWs } from '@ackwire/server/ws';
import { afterEach, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { DelayedSessionStore } from '../helpers/async-session-store.js';
import { makeServer } from '../helpers/fixtures.js';

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const s of servers.splice(0)) await s.close();
});

function wire(options: { pausable?: boolean } = {}) {
  const sent: string[] = [];
  const log: string[] = [];
  let closed: { code: number; reason: string } | undefined;
  const socket: WireSocket = {
    protocol: 'ackwire.v1.json',
    bufferedAmount: 0,
    send: (data) => void sent.push(typeof data === 'string' ? data : new TextDecoder().decode(data)),
    close: (code, reason) => void (closed = { code, reason }),
    terminate: () => void (closed = { code: 1006, reason: '' }),
    ...(options.pausable === false ? {} : { pause: () => void log.push('pause'), resume: () => void log.push('resume') }),
  };
  return { socket, sent, log, closed: () => closed };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
const handshake = { url: '/', headers: {}, cookies: {}, remoteAddress: '127.0.0.1', origin: undefined };

/** Wait turn by turn (bounded) until `done`; the number of turns it took. */
async function turnsUntil(done: () => boolean, what: string, most = 5_000): Promise<number> {
  for (let i = 0; i < most; i++) {
    if (done()) return i;
    await turn();
  }
  throw new Error(`not within ${most} turns: ${what}`);
}

it('20,000 ping frames read at once are answered a slice per turn, with reading paused meanwhile', async () => {
  const server = makeServer();
  servers.push(server);
  const w = wire();
  const conn = server.accept(w.socket, handshake);
  conn.message(JSON.stringify([1, 1, server.fingerprint, null]));
  expect(w.sent).toHaveLength(1); // the welcome
  for (let i = 0; i < 20_000; i++) conn.message('[14]');
  // In the turn they arrived, only one slice was handled.
  expect(w.sent.length - 1).toBeLessThanOrEqual(64);
  expect(w.log).toEqual(['pause']);
  const turns = await turnsUntil(() => w.sent.length === 20_001, 'every ping answered');
  expect(turns).toBeGreaterThanOrEqual(20_000 / 64 - 1);
  expect(w.sent.slice(1).every((f) => f === '[15]')).toBe(true);
  expect(w.log).toEqual(['pause', 'resume']);
  expect(w.closed()).toBeUndefined();
});

it('WebSocket pings take their turn among the frames: answered in order, a slice per turn', async () => {
  const server = makeServer();
  servers.push(server);
  const w = wire();
  const conn = server.accept(w.socket, handshake);
  conn.message(JSON.stringify([1, 1, server.fingerprint, null]));
  const pongs: number[] = [];
  for (let i = 0; i < 1_000; i++) {
    conn.message('[14]');
    conn.ping(() => void pongs.push(w.sent.length));
  }
  expect(pongs.length).toBeLessThanOrEqual(32);
  await turnsUntil(() => pongs.length === 1_000, 'every WebSocket ping answered');
  // Each pong went out right after the `[15]` that answered the frame before it.
  expect(pongs.every((sentBefore, i) => sentBefore === i + 2)).toBe(true);
});

it('frames behind a call that waits for the session store wait in the same queue: in order, reading paused past a slice', async () => {
  const server = makeServer({ sessionStore: new DelayedSessionStore(new MemorySessionStore()) });
  servers.push(server);
  const w = wire();
  const conn = server.accept(w.socket, handshake);
  conn.message(JSON.stringify([1, 1, server.fingerprint, null]));
  await turnsUntil(() => w.sent.length === 1, 'the welcome');
  for (let id = 1; id <= 300; id++) conn.message(JSON.stringify([3, id, 'math.add', { a: id, b: 0 }]));
  expect(w.log).toEqual(['pause']);
  await turnsUntil(() => w.sent.filter((f) => f.startsWith('[5,')).length === 300, 'every call answered');
  const results = w.sent.filter((f) => f.startsWith('[5,')).map((f) => (JSON.parse(f) as number[])[1]);
  expect(results).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  expect(w.log).toEqual(['pause', 'resume']);
});

function slowContext() {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  return { release, context: async () => (await gate, { user: 'anon' }) };
}

it('frames held before the welcome are bounded by size: past maxEarlyBytes, reading pauses until the welcome', async () => {
  const slow = slowContext();
  const server = makeServer({ context: slow.context, limits: { maxEarlyBytes: 100_000 } });
  servers.push(server);
  const w = wire();
  const conn = server.accept(w.socket, handshake);
  conn.message(JSON.stringify([1, 1, server.fingerprint, null]));
  const padding = ' '.repeat(60_000);
  conn.message(JSON.stringify([3, 1, 'math.add', { a: 1, b: 2 }]) + padding);
  expect(w.log).toEqual([]);
  conn.message(JSON.stringify([3, 2, 'math.add', { a: 1, b: 2 }]) + padding);
  expect(w.log).toEqual(['pause']);
  slow.release();
  await turnsUntil(() => w.sent.filter((f) => f.startsWith('[5,')).length === 2, 'both calls answered');
  expect(w.log).toEqual(['pause', 'resume']);
  expect(w.closed()).toBeUndefined();
});

it('a transport that cannot pause is closed with 4400 past maxEarlyBytes', async () => {
  const slow = slowContext();
  const server = makeServer({ context: slow.context, limits: { maxEarlyBytes: 100_000 } });
  servers.push(server);
  const w = wire({ pausable: false });
  const conn = server.accept(w.socket, handshake);
  conn.message(JSON.stringify([1, 1, server.fingerprint, null]));
  conn.message(JSON.stringify([14]) + ' '.repeat(120_000));
  expect(w.closed()).toEqual({ code: 4400, reason: 'too many bytes before welcome' });
  slow.release();
});

it('a rate pause and a backlog pause are one pause: reading resumes only when neither is left', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  const server = makeServer({ limits: { messagesPerSecond: 1_000, messageBurst: 100 } });
  servers.push(server);
  const w = wire();
  const conn = server.accept(w.socket, handshake);
  conn.message(JSON.stringify([1, 1, server.fingerprint, null]));
  // 150 frames: over the burst (a rate pause) and over a slice (a backlog pause).
  for (let i = 0; i < 150; i++) conn.message('[14]');
  expect(w.log).toEqual(['pause']);
  await turnsUntil(() => w.sent.length === 151, 'every ping answered');
  // The backlog is worked off; the rate's pause (its timer has not run) still holds.
  expect(w.log).toEqual(['pause']);
  vi.advanceTimersByTime(1_000);
  expect(w.log).toEqual(['pause', 'resume']);
});

it('a WebSocket ping over a real socket is answered with its pong, by the connection in its turn', async () => {
  const server = makeServer();
  const listener = await listenWs(server, { port: 0 });
  servers.push(server);
  const ws = new WebSocket(listener.url, ['ackwire.v1.json']);
  try {
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    ws.send(JSON.stringify([1, 1, server.fingerprint, null]));
    const pongs: string[] = [];
    const all = new Promise<void>((resolve) =>
      ws.on('pong', (data: Buffer) => {
        if (pongs.push(data.toString()) === 3) resolve();
      }),
    );
    for (const tag of ['a', 'b', 'c']) ws.ping(tag);
    await within(all, 5_000, 'three pongs');
    expect(pongs).toEqual(['a', 'b', 'c']);
  } finally {
    ws.terminate();
  }
});

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
