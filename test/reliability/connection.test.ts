/** The client's connection lifecycle: states, backoff, fatal codes, dead servers, session takeover. */
import { AckwireError, contract, procedure } from '@ackwire/core';
import { backoffDelay, createClient, type ConnectionState } from '@ackwire/client';
import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import { SESSION_STORES, harness, sleep, type Harness } from '../helpers/reliability.js';

let h: Harness | undefined;

describe('connection lifecycle', () => {
  it('reports its states: connecting, open, reconnecting, open, closed', async () => {
    h = await harness();
    const client = h.client();
    const states: ConnectionState[] = [client.$state];
    client.$on('state', (s) => states.push(s));
    await client.$ready();
    h.proxy.cut();
    await expect.poll(() => states.length).toBe(4);
    client.$close();
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open', 'closed']);
    await expect(client.jobs.run({ key: 'z' })).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
  });

  it('does not retry a fatal close code (contract mismatch): one attempt only', async () => {
    h = await harness();
    const other = contract({ jobs: { run: procedure({ input: z.string(), output: z.string() }) } });
    const client = createClient(other, { url: h.proxy.url, reconnect: { initialDelayMs: 1, maxDelayMs: 5 } });
    const closes: Array<{ code: number; willRetry: boolean }> = [];
    client.$on('close', (c) => closes.push(c));
    await expect(client.jobs.run('x')).rejects.toMatchObject({ code: 'CONTRACT_MISMATCH' });
    await sleep(100);
    expect(closes).toEqual([expect.objectContaining({ code: 4412, willRetry: false })]);
    expect(h.proxy.accepted).toBe(1);
    expect(client.$state).toBe('closed');
  });

  it('retries transient closes with delays within the configured backoff bounds', async () => {
    h = await harness();
    h.proxy.refuse(true);
    const initialDelayMs = 40;
    const maxDelayMs = 160;
    const client = h.client({ reconnect: { initialDelayMs, maxDelayMs, maxAttempts: 6 } });
    const closes: Array<{ at: number; retryInMs: number | undefined; willRetry: boolean }> = [];
    client.$on('close', (c) => closes.push({ at: performance.now(), retryInMs: c.retryInMs, willRetry: c.willRetry }));
    await expect(client.$ready()).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    expect(closes).toHaveLength(7); // the first attempt and 6 retries
    expect(closes.map((c) => c.willRetry)).toEqual([true, true, true, true, true, true, false]);
    expect(closes[6]!.retryInMs).toBeUndefined();
    // The delay each close announced is within the backoff's bound, and the next attempt waited for it
    // (a timer never fires early; it may fire late on a busy machine, which is why no upper bound is timed).
    closes.slice(0, 6).forEach((c, attempt) => {
      expect(c.retryInMs).toBeGreaterThanOrEqual(0);
      expect(c.retryInMs).toBeLessThanOrEqual(Math.min(maxDelayMs, initialDelayMs * 2 ** attempt));
      expect(closes[attempt + 1]!.at - c.at).toBeGreaterThanOrEqual(c.retryInMs! - 1);
    });
    // Full jitter: the delay is uniform in [0, ceiling].
    const opts = { initialDelayMs: 100, maxDelayMs: 1000, maxAttempts: Infinity };
    expect(backoffDelay(0, opts, () => 0)).toBe(0);
    expect(backoffDelay(0, opts, () => 0.999)).toBe(99);
    expect(backoffDelay(3, opts, () => 0.999)).toBe(799);
    expect(backoffDelay(10, opts, () => 0.999)).toBe(999);
  });

  it('detects a dead server (no traffic, no pong) and reconnects', async () => {
    h = await harness();
    const client = h.client({ heartbeat: { idleMs: 100, timeoutMs: 100 } });
    await client.$ready();
    const closes: number[] = [];
    client.$on('close', (c) => closes.push(c.code));
    h.proxy.drop('both'); // the TCP connection stays up, nothing gets through
    await expect.poll(() => closes.includes(4504), { timeout: 3000 }).toBe(true);
    expect(closes[0]).toBe(4504);
    h.proxy.drop(null);
    await expect.poll(() => client.$state).toBe('open');
    expect(await client.jobs.run({ key: 'alive' })).toEqual({ key: 'alive', runs: 1 });
  });

  it('an opening handshake that gets no answer is dropped after idleMs + timeoutMs and retried', async () => {
    // A TCP server that accepts and never answers the upgrade request.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const port = (silent.address() as { port: number }).port;
    const api = contract({ ping: procedure({ input: z.void(), output: z.void() }) });
    const client = createClient(api, {
      url: `ws://127.0.0.1:${port}/`,
      heartbeat: { idleMs: 100, timeoutMs: 100 },
      reconnect: { initialDelayMs: 5, maxDelayMs: 10 },
    });
    const closes: Array<{ code: number; at: number }> = [];
    const t0 = Date.now();
    client.$on('close', (c) => closes.push({ code: c.code, at: Date.now() - t0 }));
    try {
      await expect.poll(() => closes.length, { timeout: 3000 }).toBeGreaterThanOrEqual(2);
      expect(closes.map((c) => c.code)).toEqual(closes.map(() => 4504));
      expect(closes[0]!.at).toBeGreaterThanOrEqual(200);
      expect(sockets.length).toBeGreaterThanOrEqual(2);
      expect(client.$state).not.toBe('closed');
    } finally {
      client.$close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('the server terminates a peer that does not answer its pings, and keeps one that does', async () => {
    h = await harness({ heartbeatMs: 100 });
    const ws = new WebSocket(`ws://127.0.0.1:${h.port}/`, ['ackwire.v1.json'], { autoPong: false });
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    // A peer that answers (ws does by default) stays through the same heartbeats.
    const answering = new WebSocket(`ws://127.0.0.1:${h.port}/`, ['ackwire.v1.json']);
    let answeringClosed = false;
    answering.on('close', () => (answeringClosed = true));
    let pings = 0;
    answering.on('ping', () => pings++);
    await Promise.all([new Promise((r) => ws.on('open', r)), new Promise((r) => answering.on('open', r))]);
    expect(await closed).toBe(1006); // terminated, no closing handshake
    // Four more heartbeats, each of which would have terminated a peer that had not answered the last.
    const seen = pings;
    await expect.poll(() => pings, { timeout: 5_000 }).toBeGreaterThanOrEqual(seen + 4);
    expect(answeringClosed).toBe(false);
    answering.terminate();
  });

});

describe.each(SESSION_STORES)('sessions across connections (%s)', (_, store) => {
  it('a second connection resuming the same session takes it over; the first is closed with 4410 and not retried', async () => {
    h = await harness(store());
    const first = h.client();
    await first.$ready();
    const firstCloses: Array<{ code: number; willRetry: boolean }> = [];
    first.$on('close', (c) => firstCloses.push(c));
    const pending = first.jobs.run({ key: 'takeover', ms: 200 });
    const pendingFails = expect(pending).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    await pending.received;
    const second = h.client({ session: first.$session });
    const sessions: boolean[] = [];
    second.$on('session', (s) => sessions.push(s.resumed));
    await second.$ready();
    expect(sessions).toEqual([true]);
    expect(second.$sessionId).toBe(first.$sessionId);
    await expect.poll(() => firstCloses).toEqual([expect.objectContaining({ code: 4410, willRetry: false })]);
    await pendingFails;
    expect(first.$state).toBe('closed');
    expect(await second.jobs.run({ key: 'after' })).toEqual({ key: 'after', runs: 1 });
    expect(h.runs.get('takeover')).toBe(1);
  });

  it('resuming runs authentication again: a revoked credential cannot resume', async () => {
    let allowed = true;
    h = await harness({
      ...store(),
      context: () => {
        if (!allowed) throw new AckwireError('UNAUTHORIZED', 'credential revoked');
        return undefined;
      },
    });
    const client = h.client();
    await client.$ready();
    allowed = false;
    const closed = new Promise((resolve) => client.$on('close', resolve));
    h.proxy.cut();
    await closed;
    await expect(client.$ready()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(client.jobs.run({ key: 'no' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(client.$state).toBe('closed');
  });
});
