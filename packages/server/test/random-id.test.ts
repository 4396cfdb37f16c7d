import { describe, expect, it } from 'vitest';
import { randomId } from '../src/random-id.js';

describe('randomId', () => {
  it('gives URL-safe base64 of the asked size', () => {
    expect(randomId(12)).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(randomId(24)).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(randomId(1)).toMatch(/^[A-Za-z0-9_-]{2}$/);
  });

  it('never repeats a value across many pool refills', () => {
    // 20,000 ids of 12 bytes use the 4 KiB pool about 60 times over.
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(randomId(12));
    expect(seen.size).toBe(20_000);
  });

  it('does not hand out the same bytes twice when a request straddles the end of the pool', () => {
    // Sizes that do not divide 4,096 force refills in the middle of a sequence; overlapping ids would share
    // their 16-character prefixes.
    const ids = Array.from({ length: 2_000 }, (_, i) => randomId(5 + (i % 37)));
    const prefixes = new Set(ids.map((id) => id.slice(0, 6)));
    expect(prefixes.size).toBe(ids.length);
  });

  it('spreads its output over the whole alphabet', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 3_000; i++) for (const ch of randomId(24)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(64);
  });

  it('refuses sizes it cannot serve', () => {
    expect(() => randomId(0)).toThrow(RangeError);
    expect(() => randomId(5000)).toThrow(RangeError);
  });
});
