/** A process's memory after a forced GC (the process runs with --expose-gc). */
import { sleep } from './stats.js';

export interface MemorySnapshot {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

export async function settledMemory(): Promise<MemorySnapshot> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('measuring memory needs node --expose-gc');
  // Let timers and pending I/O settle, then collect until the heap stops shrinking.
  await sleep(200);
  let last = Infinity;
  for (let i = 0; i < 5; i++) {
    gc();
    await sleep(20);
    const used = process.memoryUsage().heapUsed;
    if (used >= last * 0.999) break;
    last = used;
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
}
