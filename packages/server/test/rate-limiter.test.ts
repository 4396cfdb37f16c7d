/** The token bucket behind the per-connection message rate. */
import { expect, it } from 'vitest';
import { TokenBucket } from '../src/rate-limiter.js';

it('a token bucket allows a burst, then slows to the sustained rate, then refuses an overdraft of one more burst', () => {
  let now = 0;
  const bucket = new TokenBucket(10, 5, () => now);
  expect(Array.from({ length: 6 }, () => bucket.take())).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'slow']);
  expect(bucket.refillMs).toBe(200); // from -1 back to +1 at 10 per second
  now += 200;
  expect([bucket.take(), bucket.take()]).toEqual(['ok', 'slow']);
  expect(Array.from({ length: 6 }, () => bucket.take())).toEqual(['slow', 'slow', 'slow', 'slow', 'over', 'over']);
  now += 10_000; // never more than the burst
  expect(Array.from({ length: 6 }, () => bucket.take()).filter((v) => v === 'ok')).toHaveLength(5);
  expect(new TokenBucket(Infinity, 1).take()).toBe('ok');
});
