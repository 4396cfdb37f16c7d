/**
 * Validation goes through zod's public API: results equal zod's own, zod's compiler is used where it may be,
 * and pages that forbid eval (zod's `jitless`, a CSP without 'unsafe-eval') keep working.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import * as zm from 'zod/mini';
import { enableZodCompiler } from '../src/compiler.js';
import { isAsyncSchemaError, parseFromWire, parseSync, parserOf, useParsers } from '../src/validate.js';

/** JSON text of a value with `undefined` fields shown, so key order and present-undefined keys compare. */
function shape(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v === undefined ? '<undefined>' : v));
}

const schemaArb: fc.Arbitrary<z.ZodType> = fc.letrec<{ schema: z.ZodType }>((tie) => ({
  schema: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<z.ZodType>(z.string(), z.string().min(2).max(4), z.email(), z.uuid(), z.number(), z.int(), z.number().gt(0).lte(5)),
    fc.constantFrom<z.ZodType>(z.boolean(), z.any(), z.literal('a'), z.enum(['a', 'b']), z.string().transform((s) => s.length)),
    tie('schema').map((s) => s.optional()),
    tie('schema').map((s) => s.nullable()),
    tie('schema').map((s) => z.array(s).max(3)),
    fc
      .uniqueArray(fc.tuple(fc.constantFrom('a', 'b', 'constructor', '__proto__'), tie('schema')), { maxLength: 3, selector: ([k]) => k })
      .map((entries) => z.object(Object.fromEntries(entries))),
  ),
})).schema;

const valueArb = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('a', 'b', 'ab', 'abcde', 'ada@example.com', 'not an email', '123e4567-e89b-12d3-a456-426614174000', 3, 4.5, -1),
  fc.dictionary(fc.constantFrom('a', 'b', 'constructor'), fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.constant(undefined)), { maxKeys: 3 }),
);

describe('parseSync', () => {
  it('answers as zod does, value for value', () => {
    fc.assert(
      fc.property(schemaArb, valueArb, (schema, value) => {
        const ours = parseSync(schema, value);
        const zods = schema.safeParse(value);
        expect(ours.success).toBe(zods.success);
        if (ours.success && zods.success) expect(shape(ours.data)).toBe(shape(zods.data));
        if (!ours.success && !zods.success) expect(ours.error.issues.map((i) => i.path)).toEqual(zods.error.issues.map((i) => i.path));
      }),
      { numRuns: 400 },
    );
  });

  it('rejects an invalid email (a compiled check once let one through)', () => {
    const schema = z.object({ to: z.email() });
    expect(parseSync(schema, { to: 'nope' }).success).toBe(false);
    expect(parseSync(schema, { to: 'ada@example.com' }).success).toBe(true);
  });

  it("parses zod/mini schemas with zod's functional forms", () => {
    const schema = zm.object({ a: zm.string(), n: zm.optional(zm.number()) });
    expect(parseSync(schema, { a: 'x', extra: 1 })).toEqual({ success: true, data: { a: 'x' } });
    const bad = parseSync(schema, { a: 1 });
    expect(bad.success).toBe(false);
    expect(bad.success ? [] : bad.error.issues.map((i) => i.path)).toEqual([['a']]);
  });

  it('reads a json null as undefined where the schema wants undefined', () => {
    expect(parseFromWire(z.void(), null)).toEqual({ success: true, data: undefined });
    expect(parseFromWire(z.null(), null)).toEqual({ success: true, data: null });
  });
});

describe("zod's compiler", () => {
  afterEach(() => {
    z.config({ jitless: false });
    useParsers(undefined);
  });

  it('is not used until enabled (the browser client does not enable it)', () => {
    const schema = z.object({ a: z.string() });
    expect(parserOf(schema)).toBe(schema);
  });

  it('compiles a schema once, on its first parse, where the installed zod has compile()', () => {
    expect(typeof z.compile).toBe('function'); // the lock file pins a zod with the compiler
    enableZodCompiler();
    const schema = z.object({ a: z.string() });
    const parser = parserOf(schema);
    expect(parser).not.toBe(schema);
    expect(parserOf(schema)).toBe(parser);
  });

  it("is not used when zod's jitless is set", () => {
    enableZodCompiler();
    z.config({ jitless: true });
    const schema = z.object({ a: z.string() });
    expect(parserOf(schema)).toBe(schema);
    expect(parseSync(schema, { a: 'x' })).toEqual({ success: true, data: { a: 'x' } });
  });

  it('is not used where code generation is forbidden, and validation still works', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/parse-report.ts', import.meta.url));
    const run = (flags: string[]) =>
      new Promise<unknown>((resolve, reject) =>
        execFile(process.execPath, [...flags, '--import', 'tsx', fixture], { timeout: 30_000 }, (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout)),
        ),
      );
    const expected = { good: { a: 'x', n: 1 }, badIssues: ['a', 'n'] };
    expect(await run(['--disallow-code-generation-from-strings'])).toEqual({ ...expected, compiled: false });
    expect(await run([])).toEqual({ ...expected, compiled: true });
  });
});

describe('async schemas', () => {
  it("are recognised by zod's error class, not by a constructor's name", () => {
    const schema = z.string().refine(async () => true);
    let thrown: unknown;
    try {
      parseSync(schema, 'x');
    } catch (err) {
      thrown = err;
    }
    expect(isAsyncSchemaError(thrown)).toBe(true);
    class $ZodAsyncError extends Error {}
    expect(isAsyncSchemaError(new $ZodAsyncError())).toBe(false);
    expect(isAsyncSchemaError(new Error('Encountered Promise during synchronous parse'))).toBe(false);
  });
});
