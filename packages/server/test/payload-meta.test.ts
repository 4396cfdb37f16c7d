/** Checked superjson metadata: what superjson writes decodes as superjson would; forged metadata is refused. */
import { superjsonCodec } from '@ackwire/core';
import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { checkedMeta, guardedCodec } from '../src/payload-meta.js';

const limits = { maxBigIntDigits: 4096, maxAnnotations: 10_000 };
const codec = guardedCodec(superjsonCodec, limits);
const decode = (json: unknown, meta: Record<string, unknown>) => codec.decode(json, meta);
const rejection = (json: unknown, meta: Record<string, unknown>): string => {
  try {
    decode(json, meta);
    return 'accepted';
  } catch (err) {
    return (err as Error).message;
  }
};

describe('checked superjson metadata (unit)', () => {
  it('everything superjson.serialize writes decodes as superjson would', () => {
    const shared = { at: new Date(5) };
    const values = [
      new Date(0),
      [new Date(1), 2n, undefined],
      { when: new Date(2), big: -123n, set: new Set([1, 2]), map: new Map<unknown, unknown>([[{ k: new Date(3) }, new Set([4n])]]) },
      { nan: NaN, inf: -Infinity, negZero: -0, re: /a+b/gi, url: new URL('https://x.example/p?q'), err: new Error('e'), bytes: new Uint8Array([1, 2, 3]) },
      { 'a.b': new Date(4), 'c\\d': new Date(4), nested: { deeper: { deepest: 1n } } },
      { one: shared, two: shared },
    ];
    for (const value of values) {
      const { json, meta } = superjson.serialize(value);
      const viaGuard = decode(structuredClone(json), meta as Record<string, unknown>);
      expect(viaGuard).toEqual(superjson.deserialize({ json: structuredClone(json), meta }));
    }
  });

  it('drops referentialEqualities: a shared-reference bomb stays a small tree, a cycle becomes null', () => {
    let node: Record<string, unknown> | null = null;
    const equalities: Record<string, string[]> = {};
    let path = '';
    for (let i = 0; i < 40; i++) node = { l: node, r: null };
    for (let i = 0; i < 40; i++) {
      equalities[path ? `${path}.l` : 'l'] = [path ? `${path}.r` : 'r'];
      path = path ? `${path}.l` : 'l';
    }
    const out = decode(node, { referentialEqualities: equalities, v: 1 }) as { l: unknown; r: unknown };
    expect(out.r).toBeNull();
    const cyclic = decode({ a: 1, self: null }, { referentialEqualities: [['self']], v: 1 }) as { self: unknown };
    expect(cyclic.self).toBeNull();
  });

  it('refuses paths through __proto__, constructor and prototype, and Object.prototype never changes', () => {
    for (const key of ['__proto__', 'constructor', 'prototype', 'a.__proto__', 'a.constructor.prototype']) {
      expect(rejection({ a: {} }, { values: { [key]: ['Date'] }, v: 1 })).toMatch(/goes through|does not exist/);
    }
    expect(rejection({ a: {} }, { values: { a: ['set', { __proto__: ['Date'] }] }, v: 1 })).not.toBe('accepted');
    expect(rejection(JSON.parse('{"__proto__":{"x":"1"}}'), JSON.parse('{"values":{"__proto__.x":["bigint"]},"v":1}'))).toMatch(/goes through/);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('refuses unknown annotation types, unknown registered names, and malformed trees', () => {
    expect(rejection({ a: 1 }, { values: { a: ['Nope'] } })).toBe('unknown metadata annotation type');
    expect(rejection({ a: 1 }, { values: { a: ['constructor'] } })).toBe('unknown metadata annotation type');
    expect(rejection({ a: 1 }, { values: { a: [['weird', 'x']] } })).toBe('unknown metadata annotation type');
    expect(rejection({ a: {} }, { values: { a: [['class', 'Admin']] } })).toBe('metadata does not fit the payload');
    expect(rejection({ a: {} }, { values: { a: [['custom', 'Decimal']] } })).toBe('metadata does not fit the payload');
    expect(rejection({ a: 1 }, { values: ['Date', { x: 'y' }] })).toBe('metadata annotation must be [type] or [type, children]');
    expect(rejection({ a: 1 }, { values: 5 })).toBe('metadata values must be an array or an object');
    expect(rejection({ a: 1 }, { values: {}, extra: 1 })).toBe('unknown metadata field');
    expect(rejection({ a: 1 }, { values: {}, v: 'one' })).toBe('metadata version must be a number');
    expect(rejection({ a: 1 }, { values: { 'a\\x': ['Date'] }, v: 1 })).toBe('metadata path has an invalid escape');
  });

  it('a BigInt one digit over the limit is refused whether or not it has a minus sign', () => {
    expect(rejection({ a: '9'.repeat(4097) }, { values: { a: ['bigint'] } })).toMatch(/at most 4096 digits/);
    expect(rejection({ a: `-${'9'.repeat(4097)}` }, { values: { a: ['bigint'] } })).toMatch(/at most 4096 digits/);
    expect(rejection({ a: '9'.repeat(4096) }, { values: { a: ['bigint'] } })).toBe('accepted');
    expect(rejection({ a: `-${'9'.repeat(4096)}` }, { values: { a: ['bigint'] } })).toBe('accepted');
  });

  it('checks what each annotation points at', () => {
    expect(rejection({ a: '9'.repeat(5000) }, { values: { a: ['bigint'] } })).toMatch(/at most 4096 digits/);
    expect(rejection({ a: ['9'.repeat(100)] }, { values: { a: ['bigint'] } })).toMatch(/bigint must be a string/);
    expect(rejection({ a: 200_000_000 }, { values: { a: [['typed-array', 'Float64Array']] } })).toMatch(/typed array must be an array/);
    expect(rejection({ a: 'x' }, { values: { a: ['set'] } })).toBe('a set must be an array');
    expect(rejection({ a: [1] }, { values: { a: ['map'] } })).toBe('a map must be an array of [key, value] pairs');
    expect(rejection({ a: '1' }, { values: { a: ['number'] } })).toMatch(/NaN, Infinity/);
    expect(rejection({ a: 1 }, { values: { b: ['Date'] } })).toBe('metadata path does not exist in the payload');
    expect(rejection({ a: [1] }, { values: { 'a.01': ['Date'] } })).toBe('metadata path does not exist in the payload');
    expect(rejection({ a: {} }, { values: { 'a.toString': ['Date'] } })).toBe('metadata path does not exist in the payload');
    expect(rejection({ a: ['x', 'x', 'y'] }, { values: { a: ['set'], 'a.1': ['Date'] } })).toBe('metadata path reaches into an annotated value');
    expect(rejection({ a: 'x' }, { values: { a: ['Date', { '': ['Date'] }] }, v: 1 })).toMatch(/does not exist/);
    const many = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [String(i), ['Date']]));
    expect(checkedMeta(Array(11).fill('2020-01-01'), { values: many }, { ...limits, maxAnnotations: 11 })).toBeTruthy();
    expect(() => checkedMeta(Array(11).fill('2020-01-01'), { values: many }, { ...limits, maxAnnotations: 10 })).toThrow(/more than 10 annotations/);
  });

  it('a forged tree that made superjson recurse without end is refused quickly', () => {
    const started = performance.now();
    for (let i = 0; i < 200; i++) rejection({ a: 1 }, { values: ['Date', { x: 'y' }] });
    // A few ms; the recursion it guards against never ends. The bound leaves room for a busy machine.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
