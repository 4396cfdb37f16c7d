/**
 * The contract fingerprint (docs/protocol.md §6.1, normative): FNV-1a 64 of the canonical JSON of every
 * definition's path, kind and schema shapes. A schema's shape is read from its definition (`_zod.def`,
 * the introspection surface zod documents for libraries, the same in zod and zod/mini) through a fixed
 * list of fields per type, so that what zod adds between minors (a new field, a rewritten email regex)
 * cannot change it: only what the contract says does. Client and server compare it in the opening
 * messages; a difference closes the connection with 4412 CONTRACT_MISMATCH.
 */
import { canonicalJson, fnv1a64 } from './canonical.js';

/** What is read of a schema: its definition. */
interface SchemaLike {
  readonly _zod: { readonly def: Def };
}

type Def = Readonly<Record<string, unknown>> & { readonly type: string };

/** A node of the canonical form: plain JSON. */
type Shape = { readonly [key: string]: unknown };

type Io = 'input' | 'output';

/** Parameters a check keeps, when they are strings, numbers, booleans, bigints or Dates. */
const CHECK_PARAMS = ['format', 'minimum', 'maximum', 'value', 'inclusive', 'length', 'size', 'includes', 'position', 'prefix', 'suffix', 'mime'] as const;
/** Checks that hold a function (refine, superRefine, trim, toLowerCase...): not part of the shape. */
const FUNCTION_CHECKS: ReadonlySet<string> = new Set(['custom', 'overwrite']);
/** Types whose shape is their inner type's, wrapped. */
const WRAPPERS: ReadonlySet<string> = new Set(['optional', 'nullable', 'readonly', 'nonoptional', 'default', 'prefault', 'catch', 'success', 'promise']);

function defOf(schema: unknown): Def {
  const def = (schema as Partial<SchemaLike> | null)?._zod?.def;
  if (!def || typeof def.type !== 'string') throw new TypeError('Ackwire contract: a schema is not a zod schema (it has no _zod.def)');
  return def;
}

function plain(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

/** A check's shape: its name and parameters; for a user's regex, its source and flags. Built-in formats'
 * own patterns (z.email()'s) are zod's business and left out. */
function checkShape(def: Readonly<Record<string, unknown>>): Shape | undefined {
  const name = def.check;
  if (typeof name !== 'string' || FUNCTION_CHECKS.has(name)) return undefined;
  const out: Record<string, unknown> = { check: name };
  for (const key of CHECK_PARAMS) {
    const v = def[key];
    if (v === undefined || typeof v === 'function' || (typeof v === 'object' && v !== null && !(v instanceof Date) && !Array.isArray(v))) continue;
    out[key] = plain(v);
  }
  if (def.format === 'regex' && def.pattern instanceof RegExp) out.pattern = { source: def.pattern.source, flags: def.pattern.flags };
  return out;
}

/** The schema's own check (z.email(), z.int() are checks themselves), then the checks added to it. */
function checksOf(def: Def): Shape[] {
  const out: Shape[] = [];
  const own = checkShape(def);
  if (own) out.push(own);
  const checks = def.checks;
  if (Array.isArray(checks)) {
    for (const c of checks) {
      const shape = checkShape(((c as { _zod?: { def?: Record<string, unknown> } })._zod?.def ?? {}) as Record<string, unknown>);
      if (shape) out.push(shape);
    }
  }
  return out;
}

/** The values of an enum's entries; a TypeScript numeric enum's reverse mappings are not values. */
function enumValues(entries: Readonly<Record<string, unknown>>): unknown[] {
  const numeric = new Set(Object.values(entries).filter((v) => typeof v === 'number').map(String));
  return Object.entries(entries)
    .filter(([key]) => !numeric.has(key))
    .map(([, v]) => v);
}

const byCanonical = (a: unknown, b: unknown): number => {
  const x = canonicalJson(a);
  const y = canonicalJson(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * The canonical shape of a schema, for its input or its output side (they differ across a transform).
 * `path` holds the schemas being described, for recursive ones: a schema met again inside itself is
 * `{"type":"ref","depth":d}`, d counting from the outermost schema (0).
 */
export function schemaShape(schema: unknown, io: Io, path: unknown[] = []): Shape {
  const seen = path.indexOf(schema);
  if (seen !== -1) return { type: 'ref', depth: seen };
  const def = defOf(schema);
  const type = def.type;
  if (type === 'pipe') return schemaShape(io === 'input' ? def.in : def.out, io, path);
  if (type === 'lazy') {
    path.push(schema);
    try {
      return schemaShape((def.getter as () => unknown)(), io, path);
    } finally {
      path.pop();
    }
  }
  path.push(schema);
  try {
    const sub = (s: unknown): Shape => schemaShape(s, io, path);
    const out: Record<string, unknown> = { type };
    const checks = checksOf(def);
    if (checks.length > 0) out.checks = checks;
    if (WRAPPERS.has(type)) out.inner = sub(def.innerType);
    else if (type === 'object') {
      const shape = def.shape as Readonly<Record<string, unknown>>;
      out.shape = Object.keys(shape)
        .sort()
        .map((key) => [key, sub(shape[key])]);
      if (def.catchall !== undefined) out.catchall = sub(def.catchall);
    } else if (type === 'array') out.element = sub(def.element);
    else if (type === 'tuple') {
      out.items = (def.items as unknown[]).map(sub);
      out.rest = def.rest ? sub(def.rest) : null;
    } else if (type === 'union') out.options = (def.options as unknown[]).map(sub);
    else if (type === 'intersection') {
      out.left = sub(def.left);
      out.right = sub(def.right);
    } else if (type === 'record' || type === 'map') {
      out.key = sub(def.keyType);
      out.value = sub(def.valueType);
    } else if (type === 'set') out.value = sub(def.valueType);
    else if (type === 'enum') out.values = enumValues(def.entries as Record<string, unknown>).map(plain).sort(byCanonical);
    else if (type === 'literal') out.values = (def.values as unknown[]).map(plain).sort(byCanonical);
    else if (type === 'template_literal') out.parts = (def.parts as unknown[]).map((p) => (typeof p === 'object' && p !== null ? sub(p) : plain(p)));
    return out;
  } finally {
    path.pop();
  }
}

/** What the fingerprint reads of a definition (contract.ts's Definition has this shape; importing it here
 * would make the two files import each other). */
export type FingerprintedDefinition =
  | { readonly kind: 'procedure'; readonly input: unknown; readonly output: unknown }
  | { readonly kind: 'subscription'; readonly input: unknown; readonly event: unknown };

/** The canonical form the fingerprint hashes: one entry per definition, sorted by path. */
export function contractShape(byPath: ReadonlyMap<string, FingerprintedDefinition>): unknown[] {
  return [...byPath.keys()].sort().map((path) => {
    const def = byPath.get(path)!;
    return def.kind === 'procedure'
      ? [path, 'procedure', schemaShape(def.input, 'input'), schemaShape(def.output, 'output')]
      : [path, 'subscription', schemaShape(def.input, 'input'), schemaShape(def.event, 'output')];
  });
}

export function fingerprintOf(byPath: ReadonlyMap<string, FingerprintedDefinition>): string {
  return fnv1a64(canonicalJson(contractShape(byPath)));
}
