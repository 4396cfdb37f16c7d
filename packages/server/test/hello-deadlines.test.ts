import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HelloDeadlines } from '../src/hello-deadlines.js';

// The queue reads performance.now() and arms setTimeout: both are faked, so the deadlines are exact and a
// busy machine cannot reorder a deadline and a sleep.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A stand-in connection: records when its deadline was reported. */
function waiter(log: Array<{ name: string; at: number }>, name: string) {
  return { helloOverdue: () => log.push({ name, at: performance.now() }) };
}

describe('HelloDeadlines', () => {
  it('reports each connection once, in the order they opened, no earlier than its deadline', async () => {
    const d = new HelloDeadlines(40);
    const log: Array<{ name: string; at: number }> = [];
    const opened: Record<string, number> = {};
    for (const name of ['a', 'b', 'c']) {
      opened[name] = performance.now();
      d.add(waiter(log, name));
      await vi.advanceTimersByTimeAsync(15);
    }
    // 'a' opened at 0, 'b' at 15, 'c' at 30: by now (45) only 'a' is due.
    expect(log.map((e) => e.name)).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(80);
    expect(log.map((e) => e.name)).toEqual(['a', 'b', 'c']);
    for (const e of log) expect(e.at - opened[e.name]!).toBeGreaterThanOrEqual(40);
    expect(d.size).toBe(0);
  });

  it('keeps serving after the queue empties, and across thousands of connections', async () => {
    const d = new HelloDeadlines(20);
    const log: Array<{ name: string; at: number }> = [];
    d.add(waiter(log, 'first'));
    await vi.advanceTimersByTimeAsync(50);
    expect(log).toHaveLength(1);
    expect(d.size).toBe(0);
    // More than the compaction threshold, in two waves with a gap between them.
    for (let i = 0; i < 1500; i++) d.add(waiter(log, `w1-${i}`));
    await vi.advanceTimersByTimeAsync(10);
    for (let i = 0; i < 1500; i++) d.add(waiter(log, `w2-${i}`));
    expect(d.size).toBe(3000);
    expect(log).toHaveLength(1);
    // The first wave is due 20 ms after it was added, the second 10 ms later.
    await vi.advanceTimersByTimeAsync(10);
    expect(log).toHaveLength(1501);
    expect(d.size).toBe(1500);
    await vi.advanceTimersByTimeAsync(10);
    expect(log).toHaveLength(3001);
    expect(new Set(log.map((e) => e.name)).size).toBe(3001);
    expect(log[1]!.name).toBe('w1-0');
    expect(log[3000]!.name).toBe('w2-1499');
    expect(d.size).toBe(0);
  });

  it('a waiter that throws does not stop the others', async () => {
    const d = new HelloDeadlines(10);
    const log: Array<{ name: string; at: number }> = [];
    d.add({
      helloOverdue: () => {
        throw new Error('boom');
      },
    });
    d.add(waiter(log, 'next'));
    await vi.advanceTimersByTimeAsync(10);
    expect(log.map((e) => e.name)).toEqual(['next']);
  });

  it('stop() cancels everything pending', async () => {
    const d = new HelloDeadlines(10);
    const log: Array<{ name: string; at: number }> = [];
    d.add(waiter(log, 'x'));
    d.stop();
    await vi.advanceTimersByTimeAsync(40);
    expect(log).toEqual([]);
    expect(d.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
