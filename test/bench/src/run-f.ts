/**
 * Workload F, calls with the Redis session store: workload A's closed loop (connections × in-flight echo
 * calls) against one server process with a fresh redis-server (no persistence) beside it. The
 * `ackwire-redis-store` system keeps its sessions in that Redis (every call claimed and its outcome stored
 * there, as several nodes need); `ackwire` (the in-memory store) and socket.io run the same loop with the
 * same Redis idle, so that the three share one machine state. Redis work per call is the INFO commandstats
 * delta over the whole run (connections' hellos and acks included) divided by the calls the server ran.
 */
import { resolve } from 'node:path';
import { startRedis, type RedisServer } from '../../helpers/redis-server.js';
import { startLoadMeter } from './machine-load.js';
import { commandStats } from './redis-store-run.js';
import { BENCH_DIR, startChild } from './proc.js';
import type { ProcessOptions } from './run.js';
import type { ServerSnapshot } from './server-main.js';
import type { SystemSpec } from './systems/index.js';
import { rpcFailures, type RpcParams, type RpcResult } from './workloads/rpc.js';

type Record_<T> = (metrics: Record<string, number>, failures: string[], foreignCores: number | undefined) => T;

/**
 * What Redis has run so far, from INFO commandstats (INFO itself left out): `scripts`, the EVALSHA/EVAL
 * requests (every operation of the session store is one script, so these are its requests), and
 * `commands`, every command run, the scripts and the commands inside them included.
 */
async function commandsRun(redis: RedisServer): Promise<{ scripts: number; commands: number }> {
  const info = await redis.cli('INFO', 'commandstats');
  let scripts = 0;
  let commands = 0;
  for (const [name, { calls }] of commandStats(info)) {
    if (name === 'info') continue;
    if (name === 'evalsha' || name === 'eval') scripts += calls;
    commands += calls;
  }
  return { scripts, commands };
}

export async function runStoreCalls<T>(spec: SystemSpec, tag: string, p: RpcParams, proc: ProcessOptions, record: Record_<T>): Promise<T> {
  const profDir = proc.cpuProf ? resolve(BENCH_DIR, proc.cpuProf) : undefined;
  const meter = startLoadMeter();
  const redis = await startRedis();
  const server = startChild({ script: 'server-main.ts', args: [spec.server, redis.url], exposeGc: true, cpuProfDir: profDir, cpuProfName: `${tag}-server.cpuprofile`, nodeArgs: proc.nodeArgs });
  const load = startChild({ script: 'load-main.ts', args: [spec.client], exposeGc: true, cpuProfDir: profDir, cpuProfName: `${tag}-load.cpuprofile`, nodeArgs: proc.nodeArgs });
  try {
    const [ready] = await Promise.all([server.ready, load.ready]);
    load.channel.handle((req) => {
      if (req.type === 'server-snapshot') return server.channel.request<ServerSnapshot>({ type: 'snapshot' });
      throw new Error(`unexpected request ${req.type}`);
    });
    const c0 = await commandsRun(redis);
    const r = await load.channel.request<RpcResult>({ type: 'rpc', url: ready.url, params: p }, p.warmupMs + p.durationMs + 120_000);
    const c1 = await commandsRun(redis);
    const failures = rpcFailures(r);
    const foreign = meter.foreignCores([server.process.pid, load.process.pid, redis.pid].filter((x) => x !== undefined));
    return record(
      {
        callsPerSec: r.callsPerSec,
        p50Ms: r.p50Ms,
        p99Ms: r.p99Ms,
        serverCpuUsPerCall: r.serverCpuUsPerCall,
        clientCpuUsPerCall: r.clientCpuUsPerCall,
        redisScriptsPerCall: (c1.scripts - c0.scripts) / Math.max(1, r.serverCalls),
        redisCommandsPerCall: (c1.commands - c0.commands) / Math.max(1, r.serverCalls),
        measured: r.measured,
        completed: r.completed,
      },
      failures,
      foreign,
    );
  } finally {
    await load.stop();
    await server.stop();
    await redis.stop();
  }
}
