/**
 * CPU time of this process's main thread, and of its other threads together. V8 runs its optimizing
 * compiler and much of its garbage collector on worker threads: the process's CPU time counts them, a
 * `--cpu-prof` profile (main thread only) does not. Read from /proc/self/task/<tid>/schedstat (nanoseconds),
 * so Linux only; elsewhere `threadCpuUs()` returns undefined. A thread that ends takes its time with it: the
 * benchmark's processes keep theirs (V8's workers live as long as the process).
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface ThreadCpu {
  mainUs: number;
  otherUs: number;
}

export function threadCpuUs(): ThreadCpu | undefined {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  const main = String(process.pid);
  const out: ThreadCpu = { mainUs: 0, otherUs: 0 };
  for (const tid of tids) {
    let ns: number;
    try {
      ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      if (tid === main) return undefined; // no schedstat in this kernel
      continue; // the thread ended between the listing and the read
    }
    if (!Number.isFinite(ns)) return undefined;
    if (tid === main) out.mainUs += ns / 1000;
    else out.otherUs += ns / 1000;
  }
  return out;
}

/** CPU microseconds spent off the main thread since `since`; NaN where it cannot be read. */
export function otherThreadsSince(since: ThreadCpu | undefined): number {
  const now = threadCpuUs();
  return since && now ? now.otherUs - since.otherUs : NaN;
}
