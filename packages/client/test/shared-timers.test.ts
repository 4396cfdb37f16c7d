import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SharedDelay, SharedInterval } from '../src/shared-timers.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('SharedInterval', () => {
  it('visits every member each period with one timer, and stops when the last leaves', () => {
    const seen: string[] = [];
    const shared = new SharedInterval<string>(100, (m) => seen.push(m));
    shared.add('a');
    shared.add('b');
    shared.add('b');
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(250);
    expect(seen).toEqual(['a', 'b', 'a', 'b']);
    shared.delete('a');
    vi.advanceTimersByTime(100);
    expect(seen.slice(4)).toEqual(['b']);
    shared.delete('b');
    expect(vi.getTimerCount()).toBe(0);
    shared.add('c');
    vi.advanceTimersByTime(100);
    expect(seen.slice(5)).toEqual(['c']);
  });

  it('still visits the other members when one throws, and the error surfaces', () => {
    const rethrown: Array<() => void> = [];
    vi.stubGlobal('queueMicrotask', (fn: () => void) => rethrown.push(fn));
    const seen: string[] = [];
    const shared = new SharedInterval<string>(100, (m) => {
      if (m === 'bad') throw new Error('listener failed');
      seen.push(m);
    });
    shared.add('bad');
    shared.add('good');
    vi.advanceTimersByTime(100);
    expect(seen).toEqual(['good']);
    expect(rethrown).toHaveLength(1);
    expect(rethrown[0]).toThrow('listener failed');
  });
});

describe('SharedDelay', () => {
  it('runs every member added once, at most the delay after the first', () => {
    const seen: Array<[string, number]> = [];
    const shared = new SharedDelay<string>(100, (m) => seen.push([m, Date.now()]));
    const t0 = Date.now();
    shared.add('a');
    vi.advanceTimersByTime(60);
    shared.add('b');
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(40);
    expect(seen).toEqual([
      ['a', t0 + 100],
      ['b', t0 + 100],
    ]);
    expect(vi.getTimerCount()).toBe(0);
    shared.add('c');
    vi.advanceTimersByTime(100);
    expect(seen.map(([m]) => m)).toEqual(['a', 'b', 'c']);
  });

  it('with unref, its timer does not keep the process alive; without, it does', () => {
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    new SharedDelay<string>(100, () => undefined, { unref: true }).add('a');
    new SharedDelay<string>(100, () => undefined).add('b');
    const [unrefd, kept] = setTimeoutSpy.mock.results.map((r) => r.value as { hasRef(): boolean });
    expect(unrefd!.hasRef()).toBe(false);
    expect(kept!.hasRef()).toBe(true);
  });
});
