/**
 * A fast path for validating with zod: the common schemas (objects, arrays, strings, numbers, booleans,
 * literals, enums, optional and nullable, with length and range checks) compiled once into plain functions.
 *
 * zod stays the authority. A compiled check only ever *accepts*: it returns what zod would return for a
 * value zod accepts, or FAIL when the value does not pass or it is not sure. On FAIL the caller runs zod,
 * which gives the real answer and its issues. Any schema with a part outside the subset below (refinements,
 * transforms, defaults, unions, records, coercion, formats such as email, strict or loose objects, exact
 * optionals...) is not compiled at all and always goes to zod. Property tests check the rule against zod itself
 * (packages/core/test/fast-parse.test.ts).
 *
 * Why: a zod parse of a small object runs about a hundred JavaScript functions, a compiled check one per
 * node. That matters most while the code is still cold (the first thousands of connections of a new process).
 */
import type { z } from 'zod';

/** Returned by a compiled check for a value it does not accept. */
export const FAIL: unique symbol = Symbol('ackwire.fail');

type Check = (value: unknown) => unknown;

/** The parts of zod's internals read here. */
interface ZodInternals {
  _zod: {
    def: {
      type: string;
      checks?: Array<{ _zod: { def: Record<string, unknown> } }>;
      coerce?: boolean;
      format?: string;
      shape?: Record<string, ZodInternals>;
      catchall?: unknown;
      element?: ZodInternals;
      innerType?: ZodInternals;
    };
    values?: ReadonlySet<unknown>;
    traits: ReadonlySet<string>;
  };
}

/**
 * The zod classes whose parsing the compiled checks reproduce, by `def.type`. zod builds variants as
 * subclasses with the same `def.type` (`z.email()` is a string, `.exactOptional()` an optional, `z.int()` a
 * number format) that parse differently, so a schema whose own class is not listed here goes to zod.
 */
const COMPILABLE: Readonly<Record<string, readonly string[]>> = {
  string: ['$ZodString'],
  number: ['$ZodNumber', '$ZodNumberFormat'],
  boolean: ['$ZodBoolean'],
  any: ['$ZodAny'],
  unknown: ['$ZodUnknown'],
  literal: ['$ZodLiteral'],
  enum: ['$ZodEnum'],
  optional: ['$ZodOptional'],
  nullable: ['$ZodNullable'],
  array: ['$ZodArray'],
  object: ['$ZodObject', '$ZodObjectJIT'],
};

/** A schema's own zod class: its most derived core trait (zod adds a class's trait before its parents'). */
function classOf(schema: ZodInternals): string | undefined {
  for (const trait of schema._zod.traits) if (trait.startsWith('$')) return trait;
  return undefined;
}

const compiled = new WeakMap<object, Check | null>();

/** The compiled check of `schema`, or null when zod must do it all. Compiled once per schema. */
export function fastCheckOf(schema: z.ZodType): Check | null {
  let check = compiled.get(schema);
  if (check === undefined) {
    try {
      check = compile(schema as unknown as ZodInternals, 0);
    } catch {
      check = null; // a zod version with other internals: zod does it all
    }
    compiled.set(schema, check);
  }
  return check;
}

/** `schema.safeParse(value)`, through the compiled check when it accepts. */
export function safeParseFast<S extends z.ZodType>(schema: S, value: unknown): z.ZodSafeParseResult<z.output<S>> {
  const check = fastCheckOf(schema);
  if (check !== null) {
    const data = check(value);
    if (data !== FAIL) return { success: true, data: data as z.output<S> };
  }
  return schema.safeParse(value);
}

type Bounds = { min: number; max: number };

/** Length bounds from max_length / min_length / length_equals checks; null for any other check. */
function lengthBounds(checks: ReadonlyArray<{ _zod: { def: Record<string, unknown> } }>): Bounds | null {
  const b: Bounds = { min: 0, max: Infinity };
  for (const c of checks) {
    const d = c._zod.def;
    if (d.check === 'max_length' && typeof d.maximum === 'number') b.max = Math.min(b.max, d.maximum);
    else if (d.check === 'min_length' && typeof d.minimum === 'number') b.min = Math.max(b.min, d.minimum);
    else if (d.check === 'length_equals' && typeof d.length === 'number') {
      b.min = Math.max(b.min, d.length);
      b.max = Math.min(b.max, d.length);
    } else return null;
  }
  return b;
}

function compile(schema: ZodInternals, depth: number): Check | null {
  if (depth > 32) return null;
  const def = schema._zod.def;
  const checks = def.checks ?? [];
  if (def.coerce) return null;
  const cls = classOf(schema);
  if (cls === undefined || !COMPILABLE[def.type]?.includes(cls)) return null;
  switch (def.type) {
    case 'string': {
      const b = lengthBounds(checks);
      if (!b) return null;
      const { min, max } = b;
      return (v) => (typeof v === 'string' && v.length >= min && v.length <= max ? v : FAIL);
    }
    case 'number':
      return compileNumber(def.format, checks);
    case 'boolean':
      return checks.length === 0 ? (v) => (typeof v === 'boolean' ? v : FAIL) : null;
    case 'any':
    case 'unknown':
      return checks.length === 0 ? (v) => v : null;
    case 'literal':
    case 'enum': {
      const values = schema._zod.values;
      if (checks.length > 0 || !(values instanceof Set)) return null;
      return (v) => (values.has(v) ? v : FAIL);
    }
    case 'optional':
    case 'nullable': {
      const inner = def.innerType && checks.length === 0 ? compile(def.innerType, depth + 1) : null;
      if (!inner) return null;
      return def.type === 'optional' ? (v) => (v === undefined ? v : inner(v)) : (v) => (v === null ? v : inner(v));
    }
    case 'array': {
      const b = lengthBounds(checks);
      const element = def.element ? compile(def.element, depth + 1) : null;
      if (!b || !element) return null;
      const { min, max } = b;
      return (v) => {
        if (!Array.isArray(v) || v.length < min || v.length > max) return FAIL;
        const out = new Array<unknown>(v.length);
        for (let i = 0; i < v.length; i++) {
          const r = element(v[i]);
          if (r === FAIL) return FAIL;
          out[i] = r;
        }
        return out;
      };
    }
    case 'object':
      return checks.length === 0 && def.catchall === undefined && def.shape ? compileObject(def.shape, depth) : null;
    default:
      return null;
  }
}

function compileNumber(format: string | undefined, checks: ReadonlyArray<{ _zod: { def: Record<string, unknown> } }>): Check | null {
  let integer = format === 'safeint';
  if (format !== undefined && !integer) return null;
  let lo = -Infinity;
  let loInclusive = true;
  let hi = Infinity;
  let hiInclusive = true;
  for (const c of checks) {
    const d = c._zod.def;
    if (d.check === 'number_format' && d.format === 'safeint') integer = true;
    else if (d.check === 'greater_than' && typeof d.value === 'number') {
      // The tightest bound wins; at equal values, an exclusive one.
      if (d.value > lo || (d.value === lo && d.inclusive !== true)) {
        lo = d.value;
        loInclusive = d.inclusive === true;
      }
    } else if (d.check === 'less_than' && typeof d.value === 'number') {
      if (d.value < hi || (d.value === hi && d.inclusive !== true)) {
        hi = d.value;
        hiInclusive = d.inclusive === true;
      }
    } else return null;
  }
  return (v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return FAIL;
    if (integer && !Number.isSafeInteger(v)) return FAIL;
    if (loInclusive ? v < lo : v <= lo) return FAIL;
    if (hiInclusive ? v > hi : v >= hi) return FAIL;
    return v;
  };
}

function compileObject(shape: Record<string, ZodInternals>, depth: number): Check | null {
  const keys = Object.keys(shape);
  const fields: Check[] = [];
  const optional: boolean[] = [];
  for (const key of keys) {
    if (key === '__proto__') return null;
    const field = compile(shape[key]!, depth + 1);
    if (!field) return null;
    fields.push(field);
    optional.push(shape[key]!._zod.def.type === 'optional');
  }
  const n = keys.length;
  return (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return FAIL;
    const input = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const key = keys[i]!;
      const value = input[key];
      if (value === undefined) {
        // An absent optional key stays absent; one present as undefined stays present, as zod does it.
        if (!optional[i]) return FAIL;
        if (key in input) out[key] = undefined;
        continue;
      }
      const r = fields[i]!(value);
      if (r === FAIL) return FAIL;
      out[key] = r;
    }
    return out;
  };
}
