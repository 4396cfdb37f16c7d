/** The guard runner: the order guards run in, and what it refuses at creation. */
import { AckwireError } from '@ackwire/core';
import { describe, expect, it } from 'vitest';
import { GuardRunner } from '../src/guards.js';

describe('guard runner (unit)', () => {
  it('runs "*", then namespaces from the outermost, then the path, and stops at the first refusal', async () => {
    const order: string[] = [];
    const g = (name: string, ok = true) => () => {
      order.push(name);
      return ok;
    };
    const runner = new GuardRunner(['a.b.c', 'a.x', 'z'], { '*': g('*'), a: g('a'), 'a.b': g('a.b', false), 'a.b.c': g('a.b.c') });
    const info = (path: string) => ({ ctx: undefined, input: undefined, path, kind: 'procedure' as const, sessionId: 's' });
    expect(() => runner.check(info('a.b.c'))).toThrow(AckwireError);
    expect(order).toEqual(['*', 'a', 'a.b']);
    order.length = 0;
    expect(runner.check(info('a.x'))).toBeUndefined();
    expect(order).toEqual(['*', 'a']);
    expect(() => new GuardRunner(['a.b'], { 'a.c': () => true })).toThrow(/unknown path "a.c"/);
    expect(() => new GuardRunner(['a.b'], { a: 'yes' as never })).toThrow(/not a function/);
  });
});
