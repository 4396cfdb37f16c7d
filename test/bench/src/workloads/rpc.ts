/**
 * Workloads A and A': a closed loop of echo calls. `connections` × `inFlight` workers each await a call,
 * check the reply against its input, and send the next. After the warm-up, calls are counted and timed for
 * `durationMs`; then the workers stop and every call still in flight is awaited.
 */
import { isEcho, makeInput } from '../payload.js';
import type { ServerSnapshot } from '../server-main.js';
import { Samples, cpuSince, sleep } from '../stats.js';
import type { BenchClient, RpcConnection } from '../systems/types.js';

export interface RpcParams {
  connections: number;
  inFlight: number;
  warmupMs: number;
  durationMs: number;
}

export interface RpcResult {
  callsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  clientCpuUsPerCall: number;
  serverCpuUsPerCall: number;
  /** Calls completed in the measuring window. */
  measured: number;
  /** Totals over the whole run (warm-up and drain included). */
  completed: number;
  failed: number;
  mismatched: number;
  /** Calls still without an outcome when the drain timed out. */
  stuck: number;
  serverCalls: number;
}

const DRAIN_TIMEOUT_MS = 15_000;

export async function runRpc(
  client: BenchClient,
  url: string,
  params: RpcParams,
  server: () => Promise<ServerSnapshot>,
): Promise<RpcResult> {
  const conns: RpcConnection[] = await Promise.all(
    Array.from({ length: params.connections }, async () => {
      const conn = await client.connect(url);
      await conn.ready;
      return conn;
    }),
  );
  const samples = new Samples();
  let stop = false;
  let measuring = false;
  let seq = 0;
  let started = 0;
  let completed = 0;
  let failed = 0;
  let mismatched = 0;

  const worker = async (conn: RpcConnection): Promise<void> => {
    while (!stop) {
      const input = makeInput(++seq);
      started++;
      const t0 = performance.now();
      let reply: unknown;
      try {
        reply = await conn.call(input);
      } catch (err) {
        if (++failed <= 3) console.error(`[load] call failed: ${err instanceof Error ? err.message : String(err)}`);
        await sleep(10);
        continue;
      }
      const t1 = performance.now();
      completed++;
      if (!isEcho(input, reply)) {
        if (++mismatched <= 3) console.error('[load] reply does not match its input', { input, reply });
      }
      if (measuring) samples.add(t1 - t0);
    }
  };
  const workers = conns.flatMap((conn) => Array.from({ length: params.inFlight }, () => worker(conn)));

  await sleep(params.warmupMs);
  const s0 = await server();
  const cpu0 = process.cpuUsage();
  const done0 = completed;
  const w0 = performance.now();
  measuring = true;
  await sleep(params.durationMs);
  measuring = false;
  const w1 = performance.now();
  const clientCpu = cpuSince(cpu0);
  const measured = completed - done0;
  const s1 = await server();
  stop = true;

  const drained = await Promise.race([Promise.all(workers).then(() => true), sleep(DRAIN_TIMEOUT_MS).then(() => false)]);
  const stuck = drained ? 0 : started - completed - failed;
  const end = await server();
  for (const conn of conns) await conn.close();

  const serverCalls = s1.counters.calls - s0.counters.calls;
  const pct = samples.percentiles();
  return {
    callsPerSec: measured / ((w1 - w0) / 1000),
    p50Ms: pct.p50,
    p99Ms: pct.p99,
    p999Ms: pct.p999,
    clientCpuUsPerCall: clientCpu / measured,
    serverCpuUsPerCall: (s1.cpuUs - s0.cpuUs) / serverCalls,
    measured,
    completed,
    failed,
    mismatched,
    stuck,
    serverCalls: end.counters.calls,
  };
}

/** What went wrong in a run of the RPC loop (workloads A, A' and F), in words for the report. */
export function rpcFailures(r: RpcResult): string[] {
  const failures: string[] = [];
  if (r.failed > 0) failures.push(`${r.failed} calls failed`);
  if (r.mismatched > 0) failures.push(`${r.mismatched} replies did not match their input`);
  if (r.stuck > 0) failures.push(`${r.stuck} calls never returned`);
  if (r.serverCalls !== r.completed) failures.push(`server ran ${r.serverCalls} calls, client completed ${r.completed}`);
  if (r.measured === 0) failures.push('no call completed in the measuring window');
  return failures;
}
