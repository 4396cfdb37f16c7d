/**
 * How much CPU other processes on the machine used during a run (Linux only, from /proc). The benchmark
 * shares its cores with whatever else runs; this puts a number on that interference next to each result.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc times (USER_HZ, 100 on Linux). */
const HZ = 100;

function readTicks(): { busy: number; total: number } | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
    const total = cpu.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** utime + stime of a process in ticks, or 0 when it is gone. */
export function processTicks(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

export interface LoadMeter {
  /** Cores' worth of CPU used by processes other than `ours` (and this one) since the meter started. */
  foreignCores(ours: number[]): number | undefined;
}

export function startLoadMeter(): LoadMeter {
  const t0 = readTicks();
  const self0 = process.cpuUsage();
  const wall0 = performance.now();
  return {
    foreignCores(ours) {
      const t1 = readTicks();
      if (!t0 || !t1) return undefined;
      const self = process.cpuUsage(self0);
      const oursTicks = ours.reduce((sum, pid) => sum + processTicks(pid), 0) + ((self.user + self.system) / 1e6) * HZ;
      const seconds = (performance.now() - wall0) / 1000;
      return Math.max(0, (t1.busy - t0.busy - oursTicks) / HZ / seconds);
    },
  };
}

/** CPU busy on the machine over `ms`, in cores (everything: nothing of the benchmark runs meanwhile). */
async function busyCores(ms: number): Promise<number | undefined> {
  const t0 = readTicks();
  await new Promise((r) => setTimeout(r, ms));
  const t1 = readTicks();
  if (!t0 || !t1) return undefined;
  return (t1.busy - t0.busy) / HZ / (ms / 1000);
}

/**
 * Wait up to `maxMs` for the machine to go quiet (under `threshold` cores busy over half a second).
 * Returns the last reading, or undefined where /proc is missing.
 */
export async function waitForQuiet(maxMs: number, threshold = 0.25): Promise<number | undefined> {
  const deadline = performance.now() + maxMs;
  for (;;) {
    const busy = await busyCores(500);
    if (busy === undefined || busy < threshold || performance.now() >= deadline) return busy;
  }
}
