/** The call-id ranges an ack carries: the gaps between the calls still awaited, below a bound. */
import { expect, it } from 'vitest';
import { settledRanges } from '../src/acks.js';

it('names no range when the awaited calls are consecutive up to the bound (the usual ack)', () => {
  expect(settledRanges([], 10, 256)).toBeUndefined();
  expect(settledRanges([4, 5, 6], 7, 256)).toBeUndefined();
});

it('names the gaps between awaited calls and after the last one, inclusive, ascending', () => {
  expect(settledRanges([1], 66, 256)).toEqual([[2, 65]]);
  expect(settledRanges([3, 4, 8, 20], 25, 256)).toEqual([
    [5, 7],
    [9, 19],
    [21, 24],
  ]);
});

it('never reaches the bound: a call being written, or ids not allocated yet', () => {
  expect(settledRanges([3, 9], 9, 256)).toEqual([[4, 8]]);
  expect(settledRanges([3, 9, 12], 7, 256)).toEqual([[4, 6]]);
  expect(settledRanges([3], 4, 256)).toBeUndefined();
});

it('sends at most max ranges, the lowest first', () => {
  const awaited = Array.from({ length: 1000 }, (_, i) => 1 + 2 * i); // 1, 3, 5, ...: a gap after each
  const ranges = settledRanges(awaited, 5000, 256)!;
  expect(ranges).toHaveLength(256);
  expect(ranges[0]).toEqual([2, 2]);
  expect(ranges[255]).toEqual([512, 512]);
});
