/**
 * Validation with zod, through zod's public API only: the functional forms of `zod/v4/core` (`safeParse`,
 * `safeParseAsync`), which take classic zod and zod/mini schemas alike, and zod's own ahead-of-time compiler
 * (`compile()`, zod 4.6 and later) where it is enabled and the environment may evaluate code.
 *
 * The compiler is enabled by the server and the Node client (`enableZodCompiler`, compiler.ts, which holds
 * the checks below and the cache of compiled schemas); the browser client leaves it out, which keeps zod's
 * compiler (about 35 KB minified) and that code out of browser bundles, and parses with zod's interpreter. A schema is compiled once, on its first parse. `compile()` returns a clone with a
 * generated fast path and falls back to zod's interpreter for anything the fast path does not model, so
 * results and issues are zod's own. It is skipped, and the schema parsed as it is, when:
 * - the installed zod has no `compile()` (zod before 4.6);
 * - `z.config({ jitless: true })` is set (zod's switch for environments that forbid `eval`);
 * - code generation is forbidden (a Content-Security-Policy without 'unsafe-eval', or Node's
 *   `--disallow-code-generation-from-strings`): probed once, so such a page sees one refused evaluation at most.
 */
import * as z from 'zod/v4/core';

/**
 * Any zod 4 schema, classic or mini, as far as the types need it: its output and input types, the members
 * zod's own `z.output`/`z.input` read. Structural rather than zod core's `$ZodType`, whose members (a
 * `this`-typed `~standard` among them) made checking a contract of thousands of procedures compare every
 * schema with them. `contract()` checks at run time that each schema is a zod 4 schema (`isZodSchema`).
 * A type alias, not an interface: checking a schema against an interface instantiates its `this` type.
 */
export type Schema<O = unknown, I = unknown> = {
  readonly _zod: { readonly output: O; readonly input: I };
};

export type ParseResult<T> = z.util.SafeParseResult<T>;

/** The parser of a schema: zod's compiled clone, cached (compiler.ts, once enabled), or the schema itself. */
export type ParserOf = <S extends Schema>(schema: S) => S;

let parserFor: ParserOf | undefined;

/** Parse with the parsers `parsers` gives from now on; `undefined` parses every schema as it is. */
export function useParsers(parsers: ParserOf | undefined): void {
  parserFor = parsers;
}

/** The schema a parse of `schema` runs: zod's compiled clone, or the schema itself. */
export function parserOf<S extends Schema>(schema: S): S {
  return parserFor === undefined ? schema : parserFor(schema);
}

/** Parse synchronously. Throws `$ZodAsyncError` for a schema with async refinements or transforms. */
export function parseSync<S extends Schema>(schema: S, value: unknown): ParseResult<z.output<S>> {
  return z.safeParse(parserOf(schema) as unknown as z.$ZodType, value) as ParseResult<z.output<S>>;
}

/**
 * Parse a payload that came over the wire. JSON has no `undefined`: a payload that was `undefined` arrives as
 * `null` under the json codec, so when `null` fails a schema that accepts `undefined` (`z.void()`,
 * `.optional()`), `undefined` is what was meant.
 */
export function parseFromWire<S extends Schema>(schema: S, value: unknown): ParseResult<z.output<S>> {
  const result = parseSync(schema, value);
  if (result.success || value !== null) return result;
  const retry = parseSync(schema, undefined);
  return retry.success ? retry : result;
}

/** Parse a schema that may be asynchronous. */
export function parseAsync<S extends Schema>(schema: S, value: unknown): Promise<ParseResult<z.output<S>>> {
  return z.safeParseAsync(schema as unknown as z.$ZodType, value) as Promise<ParseResult<z.output<S>>>;
}

/** True for the error zod throws when a synchronous parse meets an async refinement or transform. */
export function isAsyncSchemaError(err: unknown): boolean {
  return err instanceof z.$ZodAsyncError;
}

/**
 * True for a zod 4 schema, classic or mini, made by any copy of zod (zod's classes test their traits, so
 * `instanceof` holds across copies). A zod 3 schema, a valibot one or any other Standard Schema is not.
 */
export function isZodSchema(value: unknown): value is Schema {
  return value instanceof z.$ZodType && typeof (value as { _zod?: unknown })._zod === 'object';
}
