/**
 * Payload codecs, chosen by the negotiated subprotocol token. A codec turns a value into the JSON value that
 * stands in a frame plus optional superjson metadata, and back. Frames themselves are always JSON text.
 */
import superjson from 'superjson';

export type CodecName = 'superjson' | 'json';

/** Superjson metadata as sent on the wire (the `meta` of `superjson.serialize`). */
export type PayloadMeta = Record<string, unknown>;

export interface Codec {
  readonly name: CodecName;
  /** Split a value into its JSON form and, if the codec needs it, metadata (undefined when not needed). */
  encode(value: unknown): { json: unknown; meta: PayloadMeta | undefined };
  /** Rebuild a value. Throws on metadata that does not fit the JSON (the caller turns that into BAD_REQUEST). */
  decode(json: unknown, meta: PayloadMeta | undefined): unknown;
}

/** Plain JSON: what other languages speak. Dates become ISO strings, `undefined` fields vanish, BigInt throws. */
export const jsonCodec: Codec = {
  name: 'json',
  encode: (value) => ({ json: value, meta: undefined }),
  decode: (json, meta) => {
    if (meta !== undefined) throw new TypeError('the json codec takes no payload metadata');
    return json;
  },
};

/**
 * True when JSON alone carries the value exactly: strings, booleans, null, finite numbers other than -0, and
 * plain objects and arrays of those. Such values (most payloads) skip superjson's slower walk.
 */
function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (depth > 32) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!isPlainJson(value[i], depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key in value) if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

/** Superjson: Date, Map, Set, BigInt, RegExp, undefined, NaN and Infinity survive the trip. */
export const superjsonCodec: Codec = {
  name: 'superjson',
  encode: (value) => {
    if (isPlainJson(value, 0)) return { json: value, meta: undefined };
    const out = superjson.serialize(value);
    return { json: out.json, meta: withoutReferences(out.meta as PayloadMeta | undefined) };
  },
  decode: (json, meta) => {
    const m = withoutReferences(meta);
    if (m === undefined) return json;
    return superjson.deserialize({ json: json as never, meta: m as never });
  },
};

/**
 * Superjson's `referentialEqualities` restores object identity (the same object twice in a payload). Ackwire
 * neither sends nor applies it: identity means nothing across the wire, the JSON already holds every copy,
 * and applying it is where superjson 2.2 deletes Map entries when NaN repeats and where a forged one expands
 * exponentially.
 */
function withoutReferences(meta: PayloadMeta | undefined): PayloadMeta | undefined {
  if (meta === undefined || !('referentialEqualities' in meta)) return meta;
  const { referentialEqualities: _dropped, ...rest } = meta;
  return Object.keys(rest).length === 0 ? undefined : rest;
}

export const codecs: Readonly<Record<CodecName, Codec>> = { superjson: superjsonCodec, json: jsonCodec };
