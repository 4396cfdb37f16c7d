/**
 * One run of one workload on one system: a fresh server process, fresh load-generator process(es), the
 * workload, the cross-checks between the server's counters and the clients', then both processes stop.
 */
import { resolve } from 'node:path';
import type { Params, WorkloadId } from './config.js';
import { startLoadMeter } from './machine-load.js';
import { BENCH_DIR, startChild, type Child } from './proc.js';
import type { MemorySnapshot } from './memory.js';
import type { PublishReport, ServerSnapshot } from './server-main.js';
import { sleep } from './stats.js';
import type { SystemSpec } from './systems/index.js';
import type { ConnectResult } from './workloads/connect.js';
import type { FanoutCount } from './workloads/fanout.js';
import { rpcFailures, type RpcResult } from './workloads/rpc.js';
import { runCrossNode } from './run-e.js';
import { runStorm } from './storm/run.js';
import { runStoreCalls } from './run-f.js';

export interface RunRecord {
  workload: WorkloadId;
  system: string;
  round: number;
  metrics: Record<string, number>;
  /** Every check that did not pass; empty when the run is sound. */
  failures: string[];
  /** Open-file limit the server process ran with. */
  openFileLimit?: number;
  /** CPU (in cores) that processes outside the benchmark used during the run, when measurable. */
  foreignCores?: number;
  /** Set when the run was repeated because of other load (`--max-other-load`): the attempt kept. */
  attempts?: number;
}

interface Procs {
  server: Child;
  url: string;
  loads: Child[];
  openFileLimit: number | undefined;
  snapshot(): Promise<ServerSnapshot>;
  /** Other processes' CPU use since the server started, in cores. */
  foreignCores(): number | undefined;
}

async function withProcesses<T>(
  spec: SystemSpec,
  tag: string,
  loadCount: number,
  proc: ProcessOptions,
  body: (p: Procs) => Promise<T>,
): Promise<T> {
  const profDir = proc.cpuProf ? resolve(BENCH_DIR, proc.cpuProf) : undefined;
  const meter = startLoadMeter();
  const server = startChild({
    script: 'server-main.ts',
    args: [spec.server],
    exposeGc: true,
    cpuProfDir: profDir,
    cpuProfName: `${tag}-server.cpuprofile`,
    nodeArgs: proc.nodeArgs,
  });
  // Load processes start while the server does; they learn its URL with their first task.
  const loads: Child[] = Array.from({ length: loadCount }, (_, i) =>
    startChild({
      script: 'load-main.ts',
      args: [spec.client],
      exposeGc: true,
      cpuProfDir: profDir,
      cpuProfName: `${tag}-load${loadCount > 1 ? i + 1 : ''}.cpuprofile`,
      nodeArgs: proc.nodeArgs,
    }),
  );
  try {
    const [ready] = await Promise.all([server.ready, ...loads.map((l) => l.ready)]);
    const snapshot = () => server.channel.request<ServerSnapshot>({ type: 'snapshot' });
    for (const load of loads) {
      load.channel.handle((req) => {
        if (req.type === 'server-snapshot') return snapshot();
        throw new Error(`unexpected request ${req.type}`);
      });
    }
    const foreignCores = () => meter.foreignCores([server.process.pid, ...loads.map((l) => l.process.pid)].filter((p) => p !== undefined));
    return await body({ server, url: ready.url as string, loads, openFileLimit: ready.openFileLimit as number | undefined, snapshot, foreignCores });
  } finally {
    await Promise.all(loads.map((l) => l.stop()));
    await server.stop();
  }
}

const tagOf = (workload: WorkloadId, system: string, round: number): string =>
  `${workload === "A'" ? 'Aseq' : workload}-${system}-r${round}`;

/** How the server and load processes are started: CPU profiles (`--cpu-prof`) and extra flags (`--node-arg`). */
export interface ProcessOptions {
  cpuProf: string | undefined;
  nodeArgs: readonly string[];
}

export async function runOnce(workload: WorkloadId, spec: SystemSpec, round: number, params: Params, proc: ProcessOptions): Promise<RunRecord> {
  const tag = tagOf(workload, spec.name, round);
  const record = (metrics: Record<string, number>, failures: string[], p: Procs): RunRecord => {
    const foreignCores = p.foreignCores();
    return {
      workload,
      system: spec.name,
      round,
      metrics,
      failures,
      ...(p.openFileLimit !== undefined ? { openFileLimit: p.openFileLimit } : {}),
      ...(foreignCores !== undefined ? { foreignCores: Math.round(foreignCores * 100) / 100 } : {}),
    };
  };
  // The record of a workload that runs its own processes (E, F, G): other load measured there, if at all.
  const ownRecord = (metrics: Record<string, number>, failures: string[], foreignCores?: number): RunRecord => ({
    workload,
    system: spec.name,
    round,
    metrics,
    failures,
    ...(foreignCores !== undefined ? { foreignCores: Math.round(foreignCores * 100) / 100 } : {}),
  });
  switch (workload) {
    case 'A':
    case "A'": {
      const p = params[workload];
      return withProcesses(spec, tag, 1, proc, async (procs) => {
        const { url, loads } = procs;
        const r = await loads[0]!.channel.request<RpcResult>({ type: 'rpc', url, params: p }, p.warmupMs + p.durationMs + 120_000);
        const failures = rpcFailures(r);
        return record(
          {
            callsPerSec: r.callsPerSec,
            p50Ms: r.p50Ms,
            p99Ms: r.p99Ms,
            p999Ms: r.p999Ms,
            serverCpuUsPerCall: r.serverCpuUsPerCall,
            clientCpuUsPerCall: r.clientCpuUsPerCall,
            measured: r.measured,
            completed: r.completed,
          },
          failures,
          procs,
        );
      });
    }
    case 'B': {
      const p = params.B;
      const shares = Array.from({ length: p.procs }, (_, i) => Math.floor(p.subscribers / p.procs) + (i < p.subscribers % p.procs ? 1 : 0));
      return withProcesses(spec, tag, p.procs, proc, async (procs) => {
        const { server, url, loads, snapshot } = procs;
        const failures: string[] = [];
        const subscribed = await Promise.all(
          loads.map((l, i) =>
            // Every event carries its publish time (timedAfter 0): publish-to-delivery latency of each delivery.
            l.channel.request<{ subscribed: number; ms: number }>({ type: 'subscribe', url, params: { subscribers: shares[i], events: p.events, batch: p.batch, timedAfter: 0 } }),
          ),
        );
        const total = subscribed.reduce((s, x) => s + x.subscribed, 0);
        // The server must have registered every subscription before anything is published.
        let s0 = await snapshot();
        for (const deadline = Date.now() + 10_000; s0.counters.subscribers < total && Date.now() < deadline; ) {
          await sleep(20);
          s0 = await snapshot();
        }
        if (s0.counters.subscribers !== total) failures.push(`server registered ${s0.counters.subscribers} subscriptions, clients ${total}`);
        const pub = await server.channel.request<PublishReport>({ type: 'publish', count: p.events });
        const counts = await Promise.all(loads.map((l) => l.channel.request<FanoutCount>({ type: 'collect', quietMs: p.quietMs })));
        const s1 = await snapshot();
        const sum = (k: Exclude<keyof FanoutCount, 'p50Ms' | 'p99Ms' | 'burstLastAt' | 'firstAt'>) => counts.reduce((s, c) => s + c[k], 0);
        const unique = sum('unique');
        const lost = sum('lost');
        const duplicates = sum('duplicates');
        const malformed = sum('malformed');
        const outOfOrder = sum('outOfOrder');
        const lastAt = Math.max(...counts.map((c) => c.lastAt));
        const timeToLastMs = lastAt - pub.t0;
        const firstAt = Math.min(...counts.map((c) => c.firstAt || Infinity));
        // With several load processes, the worst process's percentiles.
        const p50Ms = Math.max(...counts.map((c) => c.p50Ms ?? NaN));
        const p99Ms = Math.max(...counts.map((c) => c.p99Ms ?? NaN));
        if (lost > 0) failures.push(`${lost} events lost`);
        if (duplicates > 0) failures.push(`${duplicates} duplicate events`);
        if (malformed > 0) failures.push(`${malformed} malformed events`);
        if (outOfOrder > 0) failures.push(`${outOfOrder} events out of order`);
        if (s1.counters.published !== p.events) failures.push(`server published ${s1.counters.published} events, expected ${p.events}`);
        if (total !== p.subscribers) failures.push(`${total} of ${p.subscribers} subscribers started`);
        return record(
          {
            timeToLastMs,
            eventsPerSec: unique / (timeToLastMs / 1000),
            publishLoopMs: pub.t1 - pub.t0,
            firstEventMs: firstAt - pub.t0,
            p50Ms,
            p99Ms,
            serverCpuUsPerEvent: (s1.cpuUs - s0.cpuUs) / unique,
            clientCpuUsPerEvent: sum('cpuUs') / unique,
            delivered: unique,
            lost,
            duplicates,
            subscribeMs: Math.max(...subscribed.map((x) => x.ms)),
          },
          failures,
          procs,
        );
      });
    }
    case 'C': {
      const p = params.C;
      return withProcesses(spec, tag, 1, proc, async (procs) => {
        const { server, url, loads, snapshot } = procs;
        const failures: string[] = [];
        const load = loads[0]!;
        const memory = () => server.channel.request<MemorySnapshot>({ type: 'memory' });
        const clientMemory = () => load.channel.request<MemorySnapshot>({ type: 'memory' });
        const warm = await load.channel.request<{ opened: number; failed: number }>({ type: 'idle', url, count: p.warmup, batch: p.batch });
        const [base, clientBase] = await Promise.all([memory(), clientMemory()]);
        const opened = await load.channel.request<{ opened: number; failed: number; ms: number }>(
          { type: 'idle', url, count: p.connections, batch: p.batch },
          300_000,
        );
        const [after, clientAfter] = await Promise.all([memory(), clientMemory()]);
        const s = await snapshot();
        const expected = warm.opened + opened.opened;
        if (warm.failed + opened.failed > 0) failures.push(`${warm.failed + opened.failed} connections failed`);
        if (s.counters.open !== expected) failures.push(`server holds ${s.counters.open} connections, client ${expected}`);
        const per = (k: keyof MemorySnapshot) => (after[k] - base[k]) / opened.opened / 1024;
        return record(
          {
            rssPerConnKB: per('rss'),
            heapPerConnKB: per('heapUsed'),
            externalPerConnKB: per('external'),
            // The load process holds the same connections: the client library's share.
            clientHeapPerConnKB: (clientAfter.heapUsed - clientBase.heapUsed) / opened.opened / 1024,
            baseRssMB: base.rss / 2 ** 20,
            rssMB: after.rss / 2 ** 20,
            heapMB: after.heapUsed / 2 ** 20,
            opened: opened.opened,
            openMs: opened.ms,
          },
          failures,
          procs,
        );
      });
    }
    case 'E':
      return runCrossNode(spec, tag, params.E, proc, ownRecord);
    case 'F':
      return runStoreCalls(spec, tag, params.F, proc, ownRecord);
    case 'G':
      return runStorm(spec.name === 'ackwire' ? 'ackwire' : 'socket.io', tag, params.G, proc, ownRecord);
    case 'D': {
      const p = params.D;
      return withProcesses(spec, tag, 1, proc, async (procs) => {
        const { url, loads, snapshot } = procs;
        const failures: string[] = [];
        const s0 = await snapshot();
        const r = await loads[0]!.channel.request<ConnectResult>({ type: 'connect', url, params: p }, 300_000);
        const s1 = await snapshot();
        const conns = s1.counters.connections - s0.counters.connections;
        const calls = s1.counters.calls - s0.counters.calls;
        if (r.failed > 0) failures.push(`${r.failed} connections or first calls failed`);
        if (r.mismatched > 0) failures.push(`${r.mismatched} replies did not match their input`);
        if (conns !== p.connections) failures.push(`server accepted ${conns} connections, expected ${p.connections}`);
        if (calls !== p.connections) failures.push(`server ran ${calls} calls, expected ${p.connections}`);
        return record(
          {
            readyPerSec: r.readyPerSec,
            firstCallPerSec: r.firstCallPerSec,
            readyP50Ms: r.readyP50Ms,
            readyP99Ms: r.readyP99Ms,
            firstCallP50Ms: r.firstCallP50Ms,
            firstCallP99Ms: r.firstCallP99Ms,
            serverCpuUsPerConn: (s1.cpuUs - s0.cpuUs) / p.connections,
            clientCpuUsPerConn: r.clientCpuUsPerConn,
            serverOtherThreadsUsPerConn:
              s0.otherThreadsCpuUs === null || s1.otherThreadsCpuUs === null ? NaN : (s1.otherThreadsCpuUs - s0.otherThreadsCpuUs) / p.connections,
            clientOtherThreadsUsPerConn: r.clientOtherThreadsUsPerConn,
            opened: r.opened,
          },
          failures,
          procs,
        );
      });
    }
  }
}
