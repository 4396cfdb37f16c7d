/** The benchmark's target check: the verdict on the medians, and the same comparison round by round. */
import { describe, expect, it } from 'vitest';
import { summarize, targets, targetsMarkdown, targetsText } from './src/report.js';
import type { RunRecord } from './src/run.js';

const run = (workload: RunRecord['workload'], system: string, round: number, metrics: Record<string, number>): RunRecord => ({
  workload,
  system,
  round,
  metrics,
  failures: [],
});

describe('targets', () => {
  // Rounds 1-3: ackwire/ws = 0.75, 0.9, 0.85 (met in 2 of 3). Medians over all runs: 1,750 vs 2,000.
  const runs: RunRecord[] = [
    run('D', 'ackwire', 1, { firstCallPerSec: 1_500 }),
    run('D', 'ws', 1, { firstCallPerSec: 2_000 }),
    run('D', 'ackwire', 2, { firstCallPerSec: 1_800 }),
    run('D', 'ws', 2, { firstCallPerSec: 2_000 }),
    run('D', 'ackwire', 3, { firstCallPerSec: 1_700 }),
    run('D', 'ws', 3, { firstCallPerSec: 2_000 }),
    // A round without the reference (repeated or cut short) takes no part in the per-round view.
    run('D', 'ackwire', 4, { firstCallPerSec: 2_000 }),
  ];
  const summaries = { D: summarize('D', runs, ['ackwire', 'ws']) };

  it('decides on the medians and counts the rounds that met the target', () => {
    const [d] = targets(summaries, runs);
    expect(d!.ratio).toBeCloseTo(0.875, 5); // median of 1,500, 1,800, 1,700 and 2,000
    expect(d!.met).toBe(true);
    expect(d!.rounds!.of).toBe(3);
    expect(d!.rounds!.met).toBe(2);
    expect(d!.rounds!.medianRatio).toBeCloseTo(0.85, 5);
  });

  it('holds a target that asks for every round only when every round and the median of the rounds meet it', () => {
    // Per round 0.75, 0.9, 0.85: the lowest round is under 0.9, and the median of the rounds under 0.95.
    const strict = targets(summaries, runs).find((t) => t.text.includes('every round'))!;
    expect(strict.rounds).toEqual({ medianRatio: expect.closeTo(0.85, 5), met: 1, of: 3 });
    expect(strict.met).toBe(false);
    // The strict target's verdict for rounds with these ratios.
    const holds = (ratios: number[]): boolean => {
      const rs = ratios.flatMap((x, i) => [run('D', 'ackwire', i + 1, { firstCallPerSec: 2_000 * x }), run('D', 'ws', i + 1, { firstCallPerSec: 2_000 })]);
      return targets({ D: summarize('D', rs, ['ackwire', 'ws']) }, rs).find((t) => t.text.includes('every round'))!.met;
    };
    expect(holds([0.96, 0.96, 0.96])).toBe(true);
    expect(holds([0.96, 0.97, 0.89])).toBe(false); // one round under 0.9
    expect(holds([0.91, 0.93, 0.99])).toBe(false); // every round over 0.9, median 0.93
    expect(holds([0.91, 0.96, 0.99])).toBe(true);
  });

  it('counts a lower-is-better target round by round the other way', () => {
    const cRuns = [
      run('C', 'ackwire', 1, { heapPerConnKB: 4, rssPerConnKB: 8 }),
      run('C', 'ws', 1, { heapPerConnKB: 2, rssPerConnKB: 8 }),
    ];
    const list = targets({ C: summarize('C', cRuns, ['ackwire', 'ws']) }, cRuns);
    const heap = list.find((t) => t.metric === 'heapPerConnKB')!;
    expect(heap.met).toBe(false);
    expect(heap.rounds).toEqual({ medianRatio: 2, met: 0, of: 1 });
    expect(list.find((t) => t.metric === 'rssPerConnKB')!.rounds).toEqual({ medianRatio: 1, met: 1, of: 1 });
  });

  it('prints the per-round view, or n/a without runs', () => {
    expect(targetsText(targets(summaries, runs))).toContain('per round: median 0.85, met in 2 of 3');
    expect(targetsMarkdown(targets(summaries, runs))).toMatch(/\| 0\.88 \| yes \| 0\.85, 2 of 3 \|$/m);
    expect(targetsMarkdown(targets(summaries))).toMatch(/\| yes \| n\/a \|$/m);
  });
});
