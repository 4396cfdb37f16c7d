/**
 * Workload G, a reconnect storm: one server process, one load process with `clients` clients, each with two
 * subscriptions and `callsPerClient` calls the server holds (in flight), while the server publishes one
 * event per topic every `publishIntervalMs`. Then the server destroys every TCP connection at once and lets
 * the held calls finish while their clients are away. Measured: the time from the cut until each client is
 * back, has its calls' results and has every event published before it came back (p50, p99, max); the
 * server's CPU from the cut until the last client was back (its steady publishing included, reported
 * apart); every event and call lost or doubled.
 */
import { resolve } from 'node:path';
import { startLoadMeter } from '../machine-load.js';
import { BENCH_DIR, startChild } from '../proc.js';
import type { ProcessOptions } from '../run.js';
import { sleep } from '../stats.js';
import type { StormSystem } from './contract.js';
import type { StormParams, StormResult } from './load.js';
import type { StormSnapshot } from './server-main.js';

type Record_<T> = (metrics: Record<string, number>, failures: string[], foreignCores: number | undefined) => T;

export async function runStorm<T>(system: StormSystem, tag: string, p: StormParams, proc: ProcessOptions, record: Record_<T>): Promise<T> {
  const profDir = proc.cpuProf ? resolve(BENCH_DIR, proc.cpuProf) : undefined;
  const meter = startLoadMeter();
  const child = (script: string, name: string) =>
    startChild({ script, args: [system], exposeGc: true, cpuProfDir: profDir, cpuProfName: `${tag}-${name}.cpuprofile`, nodeArgs: proc.nodeArgs });
  const server = child('storm/server-main.ts', 'server');
  const load = child('storm/load-main.ts', 'load');
  try {
    const ready = await server.ready;
    await load.ready;
    const snapshot = () => server.channel.request<StormSnapshot>({ type: 'snapshot' });
    load.channel.handle((req) => {
      if (req.type === 'server-snapshot') return snapshot();
      throw new Error(`unexpected request ${req.type}`);
    });
    const failures: string[] = [];
    const opened = await load.channel.request<{ opened: number; failed: number; ms: number }>({ type: 'open', url: ready.url, params: p }, 300_000);
    if (opened.opened !== p.clients) failures.push(`${opened.opened} of ${p.clients} clients subscribed`);
    await server.channel.request({ type: 'publish-start', intervalMs: p.publishIntervalMs });
    await server.channel.request({ type: 'hold' });
    const calls = await load.channel.request<number>({ type: 'calls', params: p });
    let s = await snapshot();
    for (const deadline = Date.now() + 30_000; s.counters.running < calls && Date.now() < deadline; ) {
      await sleep(20);
      s = await snapshot();
    }
    if (s.counters.running !== calls) failures.push(`${s.counters.running} of ${calls} calls in flight at the cut`);
    // The steady cost (publishing, heartbeats) over one second, for comparison.
    const steady0 = await snapshot();
    await sleep(1_000);
    const steady1 = await snapshot();
    const steadyRate = (steady1.cpuUs - steady0.cpuUs) / (steady1.wall - steady0.wall);
    const cut = await server.channel.request<{ cut: number; at: number; before: StormSnapshot }>({ type: 'cut' });
    if (cut.cut < p.clients) failures.push(`the cut dropped ${cut.cut} connections, expected ${p.clients}`);
    const rec = await load.channel.request<{ back: number; settled: boolean; cpuUs: number; atAllBack: StormSnapshot }>(
      { type: 'await-recovery', at: cut.at, params: p },
      p.deadlineMs + 30_000,
    );
    // Live events prove every subscription is through; then everything published has had time to arrive.
    await sleep(500);
    const log = await server.channel.request<number[]>({ type: 'publish-stop' });
    await sleep(1_000);
    const r = await load.channel.request<StormResult>({ type: 'collect', log }, 60_000);
    const end = await snapshot();
    // Everything the server did from the cut until the last client was back, steady publishing included.
    const stormCpuUs = rec.atAllBack.cpuUs - cut.before.cpuUs;
    if (end.counters.running !== 0) failures.push(`${end.counters.running} calls still running on the server`);
    if (system === 'ackwire') {
      // What Ackwire guarantees; socket.io's losses are what the workload counts.
      if (rec.back < opened.opened) failures.push(`${opened.opened - rec.back} clients not back within ${p.deadlineMs} ms`);
      if (r.lostEvents > 0) failures.push(`${r.lostEvents} events lost`);
      if (r.duplicateEvents > 0) failures.push(`${r.duplicateEvents} events doubled`);
      if (r.gaps > 0) failures.push(`${r.gaps} gaps signalled`);
      if (r.lostCalls > 0) failures.push(`${r.lostCalls} calls lost`);
      if (end.counters.doubled > 0) failures.push(`${end.counters.doubled} calls ran twice`);
      if (r.notResumed > 0) failures.push(`${r.notResumed} sessions not resumed`);
    }
    if (r.malformedEvents > 0) failures.push(`${r.malformedEvents} malformed events`);
    if (r.mismatchedCalls > 0) failures.push(`${r.mismatchedCalls} results did not match their call`);
    const foreign = meter.foreignCores([server.process.pid, load.process.pid].filter((x) => x !== undefined));
    return record(
      {
        recoveredP50Ms: r.recoveredP50Ms,
        recoveredP99Ms: r.recoveredP99Ms,
        recoveredMaxMs: r.recoveredMaxMs,
        backP50Ms: r.backP50Ms,
        backMaxMs: r.backMaxMs,
        serverStormCpuMs: stormCpuUs / 1000,
        serverSteadyCores: steadyRate / 1000,
        serverCpuUsPerClient: stormCpuUs / p.clients,
        clientCpuUsPerClient: rec.cpuUs / p.clients,
        notBack: opened.opened - rec.back,
        notRecovered: r.notRecovered,
        notResumed: r.notResumed,
        lostEvents: r.lostEvents,
        duplicateEvents: r.duplicateEvents,
        gaps: r.gaps,
        lostCalls: r.lostCalls,
        doubledCalls: end.counters.doubled,
        callsInFlight: s.counters.running,
        published: log.length,
        openMs: opened.ms,
      },
      failures,
      foreign,
    );
  } finally {
    await load.stop();
    await server.stop();
  }
}
