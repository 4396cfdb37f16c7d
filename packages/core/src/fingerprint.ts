/**
 * The contract fingerprint: a hash of every definition's path, kind and schemas (as JSON Schema, with the
 * zod type named where JSON Schema cannot say it, e.g. Date or BigInt). Client and server compare it in the
 * opening messages; a difference closes the connection with 4412 CONTRACT_MISMATCH.
 */
import { toJSONSchema, type z } from 'zod';
import { canonicalJson, hash64 } from './canonical.js';
import type { Definition } from './contract.js';

interface ZodDef {
  type?: string;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
}

function describe(schema: z.ZodType, io: 'input' | 'output'): unknown {
  try {
    return toJSONSchema(schema, {
      io,
      unrepresentable: 'any',
      cycles: 'ref',
      reused: 'inline',
      override: (ctx) => {
        const def = (ctx.zodSchema as { _zod?: { def?: ZodDef } })._zod?.def;
        if (!def?.type || 'type' in ctx.jsonSchema) return;
        const out = ctx.jsonSchema as Record<string, unknown>;
        out['x-zod'] = def.type;
        // JSON Schema cannot say what a Map or Set holds: describe their parts here.
        if (def.keyType) out['x-key'] = describe(def.keyType, io);
        if (def.valueType) out['x-value'] = describe(def.valueType, io);
      },
    });
  } catch {
    return { 'x-zod': (schema as { _zod?: { def?: { type?: string } } })._zod?.def?.type ?? 'unknown' };
  }
}

export function fingerprintOf(byPath: ReadonlyMap<string, Definition>): string {
  const entries = [...byPath.keys()].sort().map((path) => {
    const def = byPath.get(path)!;
    return def.kind === 'procedure'
      ? [path, 'p', describe(def.input, 'input'), describe(def.output, 'output')]
      : [path, 's', describe(def.input, 'input'), describe(def.event, 'output')];
  });
  return hash64(canonicalJson(entries));
}
