/**
 * Workload G's parts: the per-subscription bookkeeping, and a small storm over real sockets on 127.0.0.1
 * for each system (the cut, the held calls, the recovery and the counts of what was lost or doubled).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeTimedEvent } from '../src/payload.js';
import { wallNow } from '../src/stats.js';
import type { StormClient, StormServer } from '../src/storm/contract.js';
import { StormRun, type StormParams } from '../src/storm/load.js';
import { TopicTrack } from '../src/storm/tracker.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  for (const deadline = Date.now() + ms; !check(); ) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('TopicTrack', () => {
  const ev = (seq: number) => makeTimedEvent(seq, 0);

  it('times the gap-free prefix and counts what is missing, doubled or malformed', () => {
    const t = new TopicTrack();
    t.add(ev(3), 10);
    t.add(ev(5), 20); // ahead of a hole
    expect(t.reached(3)).toBe(10);
    expect(t.reached(5)).toBeNaN();
    expect(t.reached(2)).toBe(-Infinity); // before the subscription's first event
    t.add(ev(4), 30); // fills the hole: 4 and 5 are reached together
    expect([t.reached(4), t.reached(5)]).toEqual([30, 30]);
    t.add(ev(4), 40);
    t.add({ seq: 6, text: 'forged', at: 0 }, 50);
    t.add(ev(8), 60);
    expect(t.duplicates).toBe(1);
    expect(t.malformed).toBe(1);
    expect(t.lostUpTo(9)).toBe(3); // 6, 7 and 9
  });

  it('counts every event as lost when none arrived', () => {
    expect(new TopicTrack().lostUpTo(4)).toBe(4);
  });
});

const params: StormParams = { clients: 4, callsPerClient: 2, batch: 4, publishIntervalMs: 0, settleMs: 500, deadlineMs: 15_000 };

/** The storm of the benchmark, by hand: events before, during and after a cut with calls in flight. */
async function storm(server: StormServer, client: StormClient) {
  const run = new StormRun(client, server.url);
  cleanups.push(() => run.close());
  const log: number[] = [];
  const publish = () => {
    log.push(wallNow());
    server.publish(log.length, log[log.length - 1]!);
  };
  expect((await run.open(params)).opened).toBe(params.clients);
  for (let i = 0; i < 3; i++) publish();
  server.hold();
  const calls = run.startCalls(params.callsPerClient);
  await until('calls in flight', () => server.counters().running === calls);
  expect(server.cut()).toBeGreaterThanOrEqual(params.clients);
  const cutAt = wallNow();
  server.release();
  for (let i = 0; i < 3; i++) publish(); // while every client is away
  const recovery = await run.awaitRecovery(cutAt, params);
  for (let i = 0; i < 2; i++) publish();
  await new Promise((r) => setTimeout(r, 300));
  return { recovery, result: run.collect(log), counters: server.counters() };
}

// socket.io's client waits 0.5 to 1.5 s before it reconnects; a busy machine adds to both systems' time.
describe('workload G over real sockets', { timeout: 40_000 }, () => {
  it('ackwire: every client resumes with its calls answered once and no event lost or doubled', async () => {
    const server = await (await import('../src/storm/ackwire-server.js')).start();
    cleanups.push(() => server.close());
    const { client } = await import('../src/storm/ackwire-client.js');
    const { recovery, result, counters } = await storm(server, client);
    expect(recovery).toMatchObject({ back: params.clients, settled: true });
    expect(result).toMatchObject({
      clientsBack: params.clients,
      notRecovered: 0,
      notResumed: 0,
      gaps: 0,
      lostEvents: 0,
      duplicateEvents: 0,
      malformedEvents: 0,
      callsMade: 8,
      lostCalls: 0,
      mismatchedCalls: 0,
    });
    expect(result.recoveredMaxMs).toBeGreaterThanOrEqual(result.backMaxMs);
    expect(counters).toMatchObject({ running: 0, doubled: 0, published: 8 });
  });

  it('socket.io: the clients come back recovered; its client fails the calls in flight, which count as lost', async () => {
    const server = await (await import('../src/storm/socketio-server.js')).start();
    cleanups.push(() => server.close());
    const { client } = await import('../src/storm/socketio-client.js');
    const { recovery, result, counters } = await storm(server, client);
    expect(recovery).toMatchObject({ back: params.clients, settled: true });
    expect(result).toMatchObject({ clientsBack: params.clients, notResumed: 0, callsMade: 8, lostCalls: 8, notRecovered: params.clients });
    expect(counters).toMatchObject({ running: 0, doubled: 0 });
  });
});
