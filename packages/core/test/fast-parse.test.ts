/**
 * The compiled fast path never disagrees with zod: whatever it accepts, zod accepts with an equal result
 * (same values, same keys in the same order); everything else goes to zod. Schemas outside the compiled
 * subset are not compiled at all.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FAIL, fastCheckOf, safeParseFast } from '../src/fast-parse.js';

/** JSON text of a value with `undefined` fields shown, so key order and present-undefined keys compare. */
function shape(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v === undefined ? '<undefined>' : v));
}

const bound = fc.integer({ min: 0, max: 6 });
const num = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ min: -5, max: 5, noNaN: true }));

/** Random zod schemas, mostly from the compiled subset, sometimes with a part outside it. */
const schemaArb: fc.Arbitrary<z.ZodType> = fc.letrec<{ schema: z.ZodType }>((tie) => ({
  schema: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(fc.option(bound), fc.option(bound), fc.option(bound)).map(([min, max, len]) => {
      let s = z.string();
      if (min !== null) s = s.min(min);
      if (max !== null) s = s.max(max);
      if (len !== null && min === null && max === null) s = s.length(len);
      return s;
    }),
    fc.tuple(fc.boolean(), fc.option(num), fc.option(num), fc.boolean(), fc.boolean()).map(([int, lo, hi, loX, hiX]) => {
      let s = int ? z.number().int() : z.number();
      if (lo !== null) s = loX ? s.gt(lo) : s.gte(lo);
      if (hi !== null) s = hiX ? s.lt(hi) : s.lte(hi);
      return s;
    }),
    fc.constant(z.int()),
    fc.constant(z.boolean()),
    fc.constant(z.any()),
    fc.constant(z.unknown()),
    fc.constantFrom(z.literal('a'), z.literal(1), z.literal(true), z.literal(null), z.enum(['a', 'b', 'c'])),
    tie('schema').map((s) => s.optional()),
    tie('schema').map((s) => s.nullable()),
    fc.tuple(tie('schema'), fc.option(bound), fc.option(bound)).map(([el, min, max]) => {
      let s = z.array(el);
      if (min !== null) s = s.min(min);
      if (max !== null) s = s.max(max);
      return s;
    }),
    fc
      .uniqueArray(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'constructor', 'toString'), tie('schema')), {
        maxLength: 4,
        selector: ([k]) => k,
      })
      .map((entries) => z.object(Object.fromEntries(entries))),
    // Outside the subset: these must make the schema go to zod.
    fc.constantFrom(
      z.string().email(),
      z.email(),
      z.uuid(),
      z.string().exactOptional(),
      z.object({ a: z.string().exactOptional() }),
      z.string().trim(),
      z.number().multipleOf(2),
      z.string().default('x'),
      z.strictObject({ a: z.string() }),
      z.looseObject({ a: z.string() }),
      z.union([z.string(), z.number()]),
      z.string().refine((s) => s !== 'b'),
      z.coerce.number(),
      z.date(),
    ),
  ),
})).schema;

/** Values near what the schemas accept, so that both accepting and failing paths run. */
const valueArb: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ maxLength: 7 }),
    fc.constantFrom('a', 'b', 'c', 'x@example.com', ' a '),
    num,
    fc.constantFrom(0, -0, 1.5, 2 ** 53, NaN, Infinity, -Infinity),
    fc.boolean(),
    fc.constantFrom(null, undefined),
    fc.array(tie('value'), { maxLength: 7 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'constructor', 'toString'), tie('value'), { maxKeys: 5 }),
    fc.constant(new Date(0)),
  ),
})).value;

describe('compiled zod checks', () => {
  it('accept only what zod accepts, with the same result', () => {
    let accepted = 0;
    fc.assert(
      fc.property(schemaArb, fc.array(valueArb, { minLength: 1, maxLength: 8 }), (schema, values) => {
        const check = fastCheckOf(schema);
        for (const value of values) {
          const zod = schema.safeParse(value);
          const fast = safeParseFast(schema, value);
          expect(fast.success).toBe(zod.success);
          if (zod.success) expect(shape(fast.data)).toBe(shape(zod.data));
          else expect(fast.error!.issues).toEqual(zod.error.issues);
          if (check && check(value) !== FAIL) {
            accepted++;
            expect(zod.success).toBe(true);
          }
        }
      }),
      { numRuns: 3000 },
    );
    // The property means something only if the fast path did accept values.
    expect(accepted).toBeGreaterThan(1000);
  });

  it('compile the common shapes of a contract', () => {
    const message = z.object({
      seq: z.number().int().min(1),
      user: z.string().max(64),
      tags: z.array(z.string().max(32)).max(16),
      score: z.number(),
      ok: z.boolean(),
      kind: z.enum(['a', 'b']),
      note: z.string().optional(),
      parent: z.number().int().nullable(),
    });
    expect(fastCheckOf(message)).not.toBeNull();
    const value = { seq: 1, user: 'u', tags: ['t'], score: 0.5, ok: true, kind: 'a', parent: null, extra: 'dropped' };
    expect(fastCheckOf(message)!(value)).toEqual({ seq: 1, user: 'u', tags: ['t'], score: 0.5, ok: true, kind: 'a', parent: null });
    expect(fastCheckOf(message)!({ ...value, seq: 0 })).toBe(FAIL);
  });

  it('reject what zod rejects in the variants of a compiled type', () => {
    const user = z.object({ email: z.email(), id: z.uuid(), nick: z.string().exactOptional() });
    const ok = { email: 'x@example.com', id: '123e4567-e89b-42d3-a456-426614174000' };
    expect(safeParseFast(user, ok)).toEqual({ success: true, data: ok });
    expect(safeParseFast(user, { ...ok, email: 'not an address' }).success).toBe(false);
    expect(safeParseFast(user, { ...ok, id: 'not a uuid' }).success).toBe(false);
    expect(safeParseFast(user, { ...ok, nick: undefined }).success).toBe(false);
  });

  it('leave every schema with a part outside the subset to zod', () => {
    for (const schema of [
      z.string().email(),
      // zod's variants of a compiled type (subclasses with the same def.type) parse differently.
      z.email(),
      z.uuid(),
      z.url(),
      z.ipv4(),
      z.hex(),
      z.iso.datetime(),
      z.int32(),
      z.float32(),
      z.string().exactOptional(),
      z.object({ a: z.string().exactOptional() }),
      z.string().trim(),
      z.string().transform((s) => s.length),
      z.object({ a: z.string().default('x') }),
      z.strictObject({ a: z.string() }),
      z.object({ a: z.string() }).refine(() => true),
      z.array(z.union([z.string(), z.number()])),
      z.coerce.number(),
      z.date(),
    ]) {
      expect(fastCheckOf(schema)).toBeNull();
    }
  });
});
