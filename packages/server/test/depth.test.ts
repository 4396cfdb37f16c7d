/** The nesting scan that refuses frames nested too deeply without parsing them, and the id peek that answers them. */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { nestsDeeperThan, peekRequestId } from '../src/depth.js';

it('nesting is measured without parsing; strings do not count', () => {
  expect(nestsDeeperThan('[1,[2,[3]]]', 3)).toBe(false);
  expect(nestsDeeperThan('[1,[2,[3,[4]]]]', 3)).toBe(true);
  expect(nestsDeeperThan('[1,"[[[[[[[[[[[[[[[[[[[[","\\"[[[[[[[[[[[["]', 3)).toBe(false);
  expect(nestsDeeperThan('{"a":{"b":{"c":{}}}}', 3)).toBe(true);
  expect(peekRequestId('[3, 42, "x", [[[[')).toBe(42);
  expect(peekRequestId('[7,9007199254740993,"x"')).toBeUndefined();
  expect(peekRequestId('[12,1,')).toBeUndefined();
  const mib = '['.repeat(1024 * 1024);
  const started = performance.now();
  expect(nestsDeeperThan(mib, 64)).toBe(true);
  const flat = JSON.stringify(Array.from({ length: 100_000 }, (_, i) => ({ k: `v${i}` })));
  expect(nestsDeeperThan(flat, 64)).toBe(false);
  // Linear: a few ms. The bound only has to catch a quadratic scan (hours on 1 MiB), not measure speed,
  // so it is far from what a busy machine can add.
  expect(performance.now() - started).toBeLessThan(5_000);
});

it('the scan agrees with the parsed depth for any JSON, escaped quotes and backslashes included', () => {
  const depthOf = (v: unknown): number =>
    typeof v === 'object' && v !== null ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0;
  const tricky = fc.constantFrom('\\', '"', '\\"', '[', '{', ']', '}', '\\\\"[', 'a');
  const text = fc.array(tricky, { maxLength: 12 }).map((parts) => parts.join(''));
  const value = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(text, tie('node'), { maxKeys: 3 })),
  })).node;
  fc.assert(
    fc.property(value, fc.integer({ min: 0, max: 8 }), (v, max) => {
      expect(nestsDeeperThan(JSON.stringify(v), max)).toBe(depthOf(v) > max);
    }),
    { numRuns: 2000, seed: Number(process.env.FC_SEED ?? 0x5eed) },
  );
});
