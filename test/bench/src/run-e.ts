/**
 * Workload E, fan-out across nodes: a fresh redis-server (no persistence), `nodes` server processes of the
 * system on it (Ackwire with @ackwire/redis, socket.io with its Redis Streams adapter), one load process
 * whose subscribers are spread round-robin over the nodes, and events published on the first node: first
 * `events` back to back (delivered events/s: unique deliveries over the time from the first publish to the
 * last delivery), then `pacedEvents` one every `pacedIntervalMs` (publish-to-delivery latency, measured on
 * one clock: each event carries its publish time). A burst measures queueing more than latency, hence the
 * second, paced phase at a rate the machine keeps up with.
 */
import { resolve } from 'node:path';
import { startRedis } from '../../helpers/redis-server.js';
import { startLoadMeter } from './machine-load.js';
import { BENCH_DIR, startChild } from './proc.js';
import type { ProcessOptions } from './run.js';
import type { PublishReport, ServerSnapshot } from './server-main.js';
import { sleep } from './stats.js';
import { REDIS_SERVER_OF, type SystemSpec } from './systems/index.js';
import type { FanoutCount } from './workloads/fanout.js';

export interface CrossNodeParams {
  nodes: number;
  subscribers: number;
  events: number;
  pacedEvents: number;
  pacedIntervalMs: number;
  batch: number;
  quietMs: number;
}

type Record_<T> = (metrics: Record<string, number>, failures: string[], foreignCores: number | undefined) => T;

export async function runCrossNode<T>(spec: SystemSpec, tag: string, p: CrossNodeParams, proc: ProcessOptions, record: Record_<T>): Promise<T> {
  const serverName = REDIS_SERVER_OF[spec.name];
  if (!serverName) throw new Error(`workload E has no Redis variant of ${spec.name}`);
  const profDir = proc.cpuProf ? resolve(BENCH_DIR, proc.cpuProf) : undefined;
  const meter = startLoadMeter();
  const redis = await startRedis();
  const servers = Array.from({ length: p.nodes }, (_, i) =>
    startChild({ script: 'server-main.ts', args: [serverName, redis.url], exposeGc: true, cpuProfDir: profDir, cpuProfName: `${tag}-server${i + 1}.cpuprofile`, nodeArgs: proc.nodeArgs }),
  );
  const load = startChild({ script: 'load-main.ts', args: [spec.client], exposeGc: true, cpuProfDir: profDir, cpuProfName: `${tag}-load.cpuprofile`, nodeArgs: proc.nodeArgs });
  try {
    const readies = await Promise.all(servers.map((s) => s.ready));
    await load.ready;
    const urls = readies.map((r) => r.url as string);
    const snapshots = () => Promise.all(servers.map((s) => s.channel.request<ServerSnapshot>({ type: 'snapshot' })));
    const failures: string[] = [];
    const subscribed = await load.channel.request<{ subscribed: number; ms: number }>(
      { type: 'subscribe', url: urls[0], urls, params: { subscribers: p.subscribers, events: p.events + p.pacedEvents, batch: p.batch, timedAfter: p.events } },
      120_000,
    );
    const registered = (ss: ServerSnapshot[]) => ss.reduce((sum, s) => sum + s.counters.subscribers, 0);
    let s0 = await snapshots();
    for (const deadline = Date.now() + 10_000; registered(s0) < subscribed.subscribed && Date.now() < deadline; ) {
      await sleep(20);
      s0 = await snapshots();
    }
    if (registered(s0) !== subscribed.subscribed) failures.push(`servers registered ${registered(s0)} subscriptions, clients ${subscribed.subscribed}`);
    // Let every node's Redis subscription settle before the first event (socket.io's adapter polls its stream).
    await sleep(500);
    const pub = await servers[0]!.channel.request<PublishReport>({ type: 'publish', count: p.events });
    await load.channel.request({ type: 'settle', quietMs: p.quietMs }, 120_000);
    await servers[0]!.channel.request<PublishReport>({ type: 'publish', from: p.events + 1, count: p.pacedEvents, intervalMs: p.pacedIntervalMs }, 120_000);
    const c = await load.channel.request<FanoutCount>({ type: 'collect', quietMs: p.quietMs }, 120_000);
    const s1 = await snapshots();
    const cpu = s1.reduce((sum, s, i) => sum + s.cpuUs - s0[i]!.cpuUs, 0);
    const published = s1.reduce((sum, s) => sum + s.counters.published, 0);
    const timeToLastMs = c.burstLastAt - pub.t0;
    if (c.lost > 0) failures.push(`${c.lost} events lost`);
    if (c.duplicates > 0) failures.push(`${c.duplicates} duplicate events`);
    if (c.malformed > 0) failures.push(`${c.malformed} malformed events`);
    if (c.outOfOrder > 0) failures.push(`${c.outOfOrder} events out of order`);
    if (published !== p.events + p.pacedEvents) failures.push(`servers published ${published} events, expected ${p.events + p.pacedEvents}`);
    if (subscribed.subscribed !== p.subscribers) failures.push(`${subscribed.subscribed} of ${p.subscribers} subscribers started`);
    const foreign = meter.foreignCores([...servers.map((s) => s.process.pid), load.process.pid, redis.pid].filter((x) => x !== undefined));
    return record(
      {
        eventsPerSec: (p.subscribers * p.events) / (timeToLastMs / 1000),
        p50Ms: c.p50Ms ?? NaN,
        p99Ms: c.p99Ms ?? NaN,
        timeToLastMs,
        publishLoopMs: pub.t1 - pub.t0,
        serverCpuUsPerEvent: cpu / c.unique,
        clientCpuUsPerEvent: c.cpuUs / c.unique,
        delivered: c.unique,
        lost: c.lost,
        duplicates: c.duplicates,
        subscribeMs: subscribed.ms,
      },
      failures,
      foreign,
    );
  } finally {
    await load.stop();
    await Promise.all(servers.map((s) => s.stop()));
    await redis.stop();
  }
}
