/**
 * Superjson metadata from clients, checked before superjson reads it. Superjson trusts its metadata: a
 * forged one can make it recurse without end, parse a BigInt of a million digits, allocate a typed array
 * of any length, or (through `referentialEqualities`) turn a small payload into a graph that is
 * exponentially large when walked. The server accepts only what `superjson.serialize` produces:
 *
 * - fields `values` and `v` (`referentialEqualities` is dropped: with superjson's default `dedupe: false`
 *   the payload already holds a full copy of every shared value, so only object identity is lost, and a
 *   cycle arrives as null);
 * - annotation trees of the shape superjson writes, with known annotation types;
 * - annotation paths that exist as own properties in the payload, never through `__proto__`,
 *   `constructor` or `prototype`, never into a value another annotation already transformed;
 * - targets of the right JSON type (a BigInt is a string of at most `maxBigIntDigits` digits, a Set an
 *   array, ...), and at most `maxAnnotations` annotations.
 */
import type { Codec, PayloadMeta } from '@ackwire/core';

export interface MetaLimits {
  readonly maxBigIntDigits: number;
  readonly maxAnnotations: number;
}

const STRING_TARGET = new Set(['Date', 'regexp', 'URL']);
const NUMBER_WORDS = new Set(['NaN', 'Infinity', '-Infinity', '-0']);
const TYPED_ARRAYS = new Set(['Int8Array', 'Uint8Array', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'Uint8ClampedArray']);
/** Resolved by superjson's registries (unknown names throw there). */
const REGISTERED = new Set(['class', 'symbol', 'custom']);
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const INDEX = /^(?:0|[1-9]\d*)$/;

class MetaRejected extends TypeError {}
const reject = (why: string): never => {
  throw new MetaRejected(why);
};

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** superjson's path syntax: segments joined by `.`, with `\.` and `\\` escapes (not in legacy paths). */
function parsePath(text: string, legacy: boolean): string[] {
  const out: string[] = [];
  let segment = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && !legacy) {
      const next = text[i + 1];
      if (next !== '\\' && next !== '.') reject('metadata path has an invalid escape');
      segment += next;
      i++;
    } else if (c === '\\' && text[i + 1] === '.') {
      segment += '.';
      i++;
    } else if (c === '.') {
      out.push(segment);
      segment = '';
    } else segment += c;
  }
  out.push(segment);
  for (const s of out) if (FORBIDDEN_KEYS.has(s)) reject(`metadata path goes through "${s}"`);
  return out;
}

class Checker {
  private count = 0;
  /** Containers an annotation already applies to: later annotations must not reach into them. */
  private readonly transformed = new WeakSet<object>();
  private readonly paths = new Set<string>();

  constructor(
    private readonly json: unknown,
    private readonly legacy: boolean,
    private readonly limits: MetaLimits,
  ) {}

  /** The root of `values`: one node (an annotation of the payload itself) or a map of paths to nodes. */
  root(values: unknown): void {
    if (Array.isArray(values)) this.node(values, []);
    else if (isPlainObject(values)) this.children(values, []);
    else reject('metadata values must be an array or an object');
  }

  private children(map: Record<string, unknown>, at: string[]): void {
    for (const key of Object.keys(map)) this.node(map[key], [...at, ...parsePath(key, this.legacy)]);
  }

  /** `[type]` or `[type, { path: node }]`; superjson applies the children first, then the node. */
  private node(node: unknown, path: string[]): void {
    if (!Array.isArray(node) || node.length < 1 || node.length > 2) return reject('metadata annotation must be [type] or [type, children]');
    if (++this.count > this.limits.maxAnnotations) reject(`metadata has more than ${this.limits.maxAnnotations} annotations`);
    if (node.length === 2) {
      if (!isPlainObject(node[1])) reject('metadata annotation children must be an object');
      this.children(node[1] as Record<string, unknown>, path);
    }
    this.apply(node[0], path);
  }

  private apply(type: unknown, path: string[]): void {
    const target = this.resolve(path);
    const key = JSON.stringify(path);
    if (this.paths.has(key)) reject('metadata annotates one value twice');
    this.paths.add(key);
    if (typeof target === 'object' && target !== null) this.transformed.add(target);
    if (typeof type === 'string') {
      switch (type) {
        case 'undefined':
          return;
        case 'bigint':
          // The limit counts digits: a minus sign is not one.
          if (typeof target !== 'string' || !/^-?\d+$/.test(target) || target.length - (target[0] === '-' ? 1 : 0) > this.limits.maxBigIntDigits) {
            reject(`a bigint must be a string of at most ${this.limits.maxBigIntDigits} digits`);
          }
          return;
        case 'number':
          if (typeof target !== 'string' || !NUMBER_WORDS.has(target)) reject('a number annotation needs NaN, Infinity, -Infinity or -0');
          return;
        case 'set':
          if (!Array.isArray(target)) reject('a set must be an array');
          return;
        case 'map':
          if (!Array.isArray(target) || !target.every((e) => Array.isArray(e) && e.length === 2)) reject('a map must be an array of [key, value] pairs');
          return;
        case 'Error':
          if (!isPlainObject(target)) reject('an error must be an object');
          return;
        default:
          if (!STRING_TARGET.has(type)) reject('unknown metadata annotation type');
          if (typeof target !== 'string') reject(`a ${type} must be a string`);
          return;
      }
    }
    if (!Array.isArray(type) || type.length !== 2 || typeof type[0] !== 'string' || typeof type[1] !== 'string' || type[1].length > 256) {
      return reject('unknown metadata annotation type');
    }
    if (type[0] === 'typed-array') {
      if (!TYPED_ARRAYS.has(type[1]) || !Array.isArray(target)) reject('a typed array must be an array of a known kind');
      return;
    }
    if (!REGISTERED.has(type[0])) reject('unknown metadata annotation type');
  }

  /** The value at `path` in the payload as parsed (own properties and array indexes only). */
  private resolve(path: string[]): unknown {
    let node: unknown = this.json;
    for (const segment of path) {
      if (typeof node === 'object' && node !== null && this.transformed.has(node)) reject('metadata path reaches into an annotated value');
      if (Array.isArray(node)) {
        if (!INDEX.test(segment) || Number(segment) >= node.length) reject('metadata path does not exist in the payload');
        node = node[Number(segment)];
      } else if (isPlainObject(node)) {
        if (!Object.prototype.hasOwnProperty.call(node, segment)) reject('metadata path does not exist in the payload');
        node = node[segment];
      } else reject('metadata path does not exist in the payload');
    }
    return node;
  }
}

/** The metadata superjson may read for `json`, or a TypeError saying why it is refused. */
export function checkedMeta(json: unknown, meta: PayloadMeta, limits: MetaLimits): PayloadMeta {
  for (const key of Object.keys(meta)) if (key !== 'values' && key !== 'referentialEqualities' && key !== 'v') reject('unknown metadata field');
  const v = meta.v;
  if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) reject('metadata version must be a number');
  const out: PayloadMeta = {};
  if (meta.values !== undefined) {
    new Checker(json, !(((v as number | undefined) ?? 0) >= 1), limits).root(meta.values);
    out.values = meta.values;
  }
  if (v !== undefined) out.v = v;
  return out;
}

/**
 * The codec a server decodes client payloads with: superjson metadata is checked first, and superjson's
 * own failures become one generic message (they can describe its internals). Encoding is unchanged.
 */
export function guardedCodec(codec: Codec, limits: MetaLimits): Codec {
  if (codec.name !== 'superjson') return codec;
  return {
    name: codec.name,
    encode: codec.encode,
    decode: (json, meta) => {
      if (meta === undefined) return json;
      const safe = checkedMeta(json, meta, limits);
      try {
        return codec.decode(json, safe);
      } catch {
        throw new TypeError('metadata does not fit the payload');
      }
    },
  };
}
