/**
 * Workload D, the load side: open connections in batches; each connection makes one call as soon as its
 * client accepts one, as an application would (at once for clients that queue calls until connected, on
 * open for raw `ws`). A batch ends when all its calls have returned and all its connections reported ready;
 * connections stay open until the run ends.
 */
import { isEcho, makeInput } from '../payload.js';
import { Samples, cpuSince } from '../stats.js';
import type { BenchClient, RpcConnection } from '../systems/types.js';
import { otherThreadsCpuUs } from '../thread-cpu.js';

export interface ConnectParams {
  connections: number;
  batch: number;
}

export interface ConnectResult {
  /** Connections per second counting only the time until each batch was ready. */
  readyPerSec: number;
  /** Connections per second until each batch's first calls returned. */
  firstCallPerSec: number;
  readyP50Ms: number;
  readyP99Ms: number;
  firstCallP50Ms: number;
  firstCallP99Ms: number;
  clientCpuUsPerConn: number;
  /** The part of clientCpuUsPerConn spent off the main thread (see thread-cpu.ts); NaN if unknown. */
  clientOtherThreadsUsPerConn: number;
  opened: number;
  failed: number;
  mismatched: number;
}

export class ConnectRun {
  readonly conns: RpcConnection[] = [];

  constructor(
    private readonly client: BenchClient,
    private readonly url: string,
  ) {}

  async run(params: ConnectParams): Promise<ConnectResult> {
    const ready = new Samples();
    const firstCall = new Samples();
    let readyMs = 0;
    let totalMs = 0;
    let failed = 0;
    let mismatched = 0;
    let seq = 0;
    const cpu0 = process.cpuUsage();
    const otherThreads0 = otherThreadsCpuUs();
    for (let i = 0; i < params.connections; i += params.batch) {
      const n = Math.min(params.batch, params.connections - i);
      const t0 = performance.now();
      let lastReady = t0;
      const one = async (): Promise<void> => {
        const input = makeInput(++seq);
        let conn: RpcConnection;
        try {
          conn = await this.client.connect(this.url);
        } catch (err) {
          if (++failed <= 3) console.error(`[load] connect failed: ${String(err)}`);
          return;
        }
        this.conns.push(conn);
        let broken = false;
        // The first call goes as soon as the client accepts it; readiness is timed alongside, not waited for.
        const readied = conn.ready.then(
          () => {
            const tReady = performance.now();
            lastReady = Math.max(lastReady, tReady);
            ready.add(tReady - t0);
          },
          (err: unknown) => {
            broken = true;
            if (failed < 3) console.error(`[load] connection failed: ${String(err)}`);
          },
        );
        try {
          const reply = await conn.call(input);
          if (!isEcho(input, reply)) mismatched++;
          firstCall.add(performance.now() - t0);
        } catch (err) {
          broken = true;
          if (failed < 3) console.error(`[load] first call failed: ${String(err)}`);
        }
        await readied;
        if (broken) failed++;
      };
      await Promise.all(Array.from({ length: n }, one));
      readyMs += lastReady - t0;
      totalMs += performance.now() - t0;
    }
    const cpu = cpuSince(cpu0);
    const otherThreads = otherThreadsCpuUs() - otherThreads0;
    const r = ready.percentiles();
    const c = firstCall.percentiles();
    return {
      readyPerSec: ready.count / (readyMs / 1000),
      firstCallPerSec: firstCall.count / (totalMs / 1000),
      readyP50Ms: r.p50,
      readyP99Ms: r.p99,
      firstCallP50Ms: c.p50,
      firstCallP99Ms: c.p99,
      clientCpuUsPerConn: cpu / params.connections,
      clientOtherThreadsUsPerConn: otherThreads / params.connections,
      opened: this.conns.length,
      failed,
      mismatched,
    };
  }
}
