/**
 * Workload G's server process: `node --import tsx src/storm/server-main.ts <system>`. Starts the system's
 * storm server and answers the runner: counters and CPU, publishing on a timer, holding calls, the cut.
 */
import { parentChannel } from '../ipc.js';
import { wallNow } from '../stats.js';
import { otherThreadsCpuUs } from '../thread-cpu.js';
import type { StormCounters, StormServer, StormSystem } from './contract.js';

export interface StormSnapshot {
  counters: StormCounters;
  cpuUs: number;
  otherThreadsCpuUs: number | null;
  wall: number;
}

const system = process.argv[2] as StormSystem;
const server: StormServer = system === 'ackwire' ? await (await import('./ackwire-server.js')).start() : await (await import('./socketio-server.js')).start();
const channel = parentChannel();
/** Publish time of every event, by seq - 1. */
const log: number[] = [];
let ticker: ReturnType<typeof setInterval> | undefined;

function snapshot(): StormSnapshot {
  const cpu = process.cpuUsage();
  const other = otherThreadsCpuUs();
  return { counters: server.counters(), cpuUs: cpu.user + cpu.system, otherThreadsCpuUs: Number.isNaN(other) ? null : other, wall: wallNow() };
}

function publishNext(): void {
  const at = wallNow();
  log.push(at);
  server.publish(log.length, at);
}

channel.handle(async (req) => {
  switch (req.type) {
    case 'snapshot':
      return snapshot();
    case 'publish-start':
      ticker ??= setInterval(publishNext, req.intervalMs as number);
      return true;
    case 'publish-stop':
      clearInterval(ticker);
      ticker = undefined;
      return log;
    case 'hold':
      server.hold();
      return true;
    case 'cut': {
      // The held calls finish while their clients are away: their outcomes must wait for the resume.
      const before = snapshot();
      const cut = server.cut();
      const at = wallNow();
      setImmediate(() => server.release());
      return { cut, at, before };
    }
    case 'exit':
      clearInterval(ticker);
      setImmediate(() => {
        void Promise.race([server.close(), new Promise((r) => setTimeout(r, 2000))]).finally(() => process.exit(0));
      });
      return true;
    default:
      throw new Error(`unknown request ${req.type}`);
  }
});

await channel.request({ type: 'ready', url: server.url, pid: process.pid });
