import { describe, expect, it } from 'vitest';
import { TickCorker } from '../src/cork.js';

/** A socket that records cork and uncork calls. */
function socket(log: string[], name: string) {
  return { cork: () => log.push(`cork ${name}`), uncork: () => log.push(`uncork ${name}`) };
}

const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

describe('TickCorker', () => {
  it('corks each socket once per turn and uncorks them all on the next tick', async () => {
    const log: string[] = [];
    const a = new TickCorker(socket(log, 'a'));
    const b = new TickCorker(socket(log, 'b'));
    a.cork();
    a.cork();
    b.cork();
    a.cork();
    expect(log).toEqual(['cork a', 'cork b']);
    await nextTick();
    expect(log).toEqual(['cork a', 'cork b', 'uncork a', 'uncork b']);
    // The next turn starts over.
    b.cork();
    await nextTick();
    expect(log.slice(4)).toEqual(['cork b', 'uncork b']);
  });

  it('does nothing without a corkable socket (browsers)', async () => {
    const corker = new TickCorker(undefined);
    expect(() => corker.cork()).not.toThrow();
    await nextTick();
  });
});
