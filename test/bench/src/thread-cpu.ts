/**
 * CPU time of this process's threads other than the main one: V8's optimizing compiler and much of its
 * garbage collector run there (libuv's pool and tsx's loader thread too, idle during a run). The process's
 * CPU time counts them; a `--cpu-prof` profile, main thread only, does not. Read from
 * /proc/self/task/<tid>/schedstat (nanoseconds), so Linux only. A thread that ends takes its time with it;
 * the benchmark's processes keep theirs (V8's workers live as long as the process).
 */
import { readFileSync, readdirSync } from 'node:fs';

/** Microseconds of CPU used so far by every thread but the main one; NaN where it cannot be read. */
export function otherThreadsCpuUs(): number {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
    readFileSync(`/proc/self/task/${process.pid}/schedstat`); // not every kernel has schedstat
  } catch {
    return NaN;
  }
  let ns = 0;
  for (const tid of tids) {
    if (tid === String(process.pid)) continue;
    try {
      ns += Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return ns / 1000;
}
