/**
 * The server process: `node --import tsx --expose-gc src/server-main.ts <server> [redis-url]`. Starts one system's
 * server on 127.0.0.1 and answers the runner: counters, CPU and memory snapshots, publishing.
 */
import { readFileSync } from 'node:fs';
import { parentChannel } from './ipc.js';
import { settledMemory } from './memory.js';
import { sleep, wallNow } from './stats.js';
import { startServer } from './systems/index.js';
import { otherThreadsCpuUs } from './thread-cpu.js';
import type { ServerName } from './systems/types.js';

export interface ServerSnapshot {
  counters: import('./systems/types.js').ServerCounters;
  /** User + system CPU time of the process since it started, in microseconds. */
  cpuUs: number;
  /** The part of cpuUs spent off the main thread; null where it cannot be read (see thread-cpu.ts). */
  otherThreadsCpuUs: number | null;
  wall: number;
}


export interface PublishReport {
  /** Wall-clock time when the first event was published and when the loop ended. */
  t0: number;
  t1: number;
}

function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft ? Number(soft) : undefined;
  } catch {
    return undefined;
  }
}

const name = process.argv[2] as ServerName;
const channel = parentChannel();
const server = await startServer(name, process.argv[3]);

/** NaN does not survive the IPC channel's JSON (it arrives as null): say null. */
const nullIfNaN = (n: number): number | null => (Number.isNaN(n) ? null : n);

function snapshot(): ServerSnapshot {
  const cpu = process.cpuUsage();
  return { counters: server.counters(), cpuUs: cpu.user + cpu.system, otherThreadsCpuUs: nullIfNaN(otherThreadsCpuUs()), wall: wallNow() };
}


channel.handle(async (req) => {
  switch (req.type) {
    case 'snapshot':
      return snapshot();
    case 'memory':
      return settledMemory();
    case 'publish': {
      // Events from..from+count-1, back to back, or one every `intervalMs` when it is set.
      const count = req.count as number;
      const from = (req.from as number | undefined) ?? 1;
      const interval = (req.intervalMs as number | undefined) ?? 0;
      const pending: Array<Promise<unknown>> = [];
      const t0 = wallNow();
      for (let seq = from; seq < from + count; seq++) {
        if (interval > 0 && seq > from) await sleep(interval);
        const r = server.publish(seq);
        if (r) pending.push(r);
      }
      const t1 = wallNow();
      await Promise.all(pending);
      return { t0, t1 } satisfies PublishReport;
    }
    case 'exit':
      setImmediate(() => {
        void Promise.race([server.close(), sleep(2000)]).finally(() => process.exit(0));
      });
      return true;
    default:
      throw new Error(`unknown request ${req.type}`);
  }
});

await channel.request({ type: 'ready', url: server.url, pid: process.pid, openFileLimit: openFileLimit() });
