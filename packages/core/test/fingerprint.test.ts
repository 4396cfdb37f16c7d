/**
 * The fingerprint is a function of the contract alone: the same contract gives the same fingerprint on
 * every zod version in the peer range (^4.1.0), and anyone can compute it from docs/protocol.md §6.1.
 */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import * as zMini from 'zod/mini';
import * as z41 from 'zod-4-1';
import * as z43 from 'zod-4-3';
import * as z45 from 'zod-4-5';
import { canonicalJson, fnv1a64 } from '../src/canonical.js';
import { contract, indexOf, procedure, subscription, type ContractTree } from '../src/index.js';
import { contractShape } from '../src/fingerprint.js';

type Zod = typeof z;

/** One contract using most of zod's types and checks, built with the zod given. */
function rich(zz: Zod): ContractTree {
  const Node: z.ZodType = zz.lazy(() => zz.object({ name: zz.string(), children: zz.array(Node) }));
  const Shape = zz.discriminatedUnion('kind', [zz.object({ kind: zz.literal('circle'), r: zz.number().positive() }), zz.object({ kind: zz.literal('square'), side: zz.number().min(0) })]);
  return {
    users: {
      create: procedure({
        input: zz.object({
          email: zz.email(),
          alsoEmail: zz.string().email(),
          id: zz.uuid(),
          site: zz.url().optional(),
          age: zz.int().min(0).max(150),
          score: zz.number().multipleOf(0.5).nullable(),
          code: zz.string().regex(/^[A-Z]{3}-\d+$/i).length(8),
          tags: zz.array(zz.string().min(1).max(20)).max(10).default([]),
          role: zz.enum(['admin', 'member']),
          at: zz.date().min(new Date('2020-01-01T00:00:00.000Z')),
          big: zz.bigint().min(5n),
          extra: zz.record(zz.string(), zz.unknown()),
          pair: zz.tuple([zz.string(), zz.number()], zz.boolean()),
          either: zz.union([zz.string(), zz.number()]),
          both: zz.intersection(zz.object({ a: zz.string() }), zz.object({ b: zz.number() })),
          name: zz.string().trim().toLowerCase().startsWith('a').endsWith('z').includes('m'),
          checked: zz.string().refine((s) => s.length > 0, 'empty'),
        }),
        output: zz.object({ id: zz.string(), created: zz.date(), len: zz.string().transform((s) => s.length) }),
      }),
      tree: procedure({ input: zz.void(), output: Node }),
    },
    shapes: subscription({
      input: zz.strictObject({ room: zz.string() }),
      event: zz.looseObject({ shape: Shape, seen: zz.set(zz.string()).min(1), index: zz.map(zz.string(), zz.number().int()) }),
    }),
  };
}

const print = (tree: ContractTree): string => indexOf(contract(tree)).fingerprint;

describe('fnv1a64', () => {
  it('matches the published FNV-1a 64 test vectors, over UTF-8', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
    expect(fnv1a64('é')).toBe('0ac21707b7181e01'); // the two bytes c3 a9
  });
});

describe('the fingerprint across zod versions', () => {
  const versions: Array<[string, Zod]> = [
    ['4.1.0', z41 as unknown as Zod],
    ['4.3.6', z43 as unknown as Zod],
    ['4.5.0', z45 as unknown as Zod],
    [`${z.core.version.major}.${z.core.version.minor}.${z.core.version.patch} (the installed zod)`, z],
  ];

  it('compares the versions it says it does', () => {
    expect(versions.map(([, zz]) => `${zz.core.version.major}.${zz.core.version.minor}.${zz.core.version.patch}`).slice(0, 3)).toEqual(['4.1.0', '4.3.6', '4.5.0']);
  });

  // Regression: the fingerprint hashed zod's JSON Schema output, whose email pattern changed in 4.6.
  it('z.email() gives one fingerprint on zod 4.5.0 and the installed zod', () => {
    const of = (zz: Zod) => print({ signUp: procedure({ input: zz.object({ email: zz.email() }), output: zz.void() }) });
    expect(of(z45 as unknown as Zod)).toBe(of(z));
  });

  it('a contract using most types and checks gives one fingerprint on every version', () => {
    const prints = versions.map(([version, zz]) => [version, print(rich(zz))]);
    const [, first] = prints[0]!;
    for (const p of prints) expect(p, `zod ${p[0]}`).toEqual([p[0], first]);
  });

  it('zod/mini schemas give the fingerprint of the same contract written with zod', () => {
    const classic = print({ p: procedure({ input: z.object({ email: z.email(), n: z.int().min(1), s: z.string().max(3).optional() }), output: z.array(z.string()) }) });
    const mini = print({
      p: procedure({
        input: zMini.object({ email: zMini.email(), n: zMini.int().check(zMini.minimum(1)), s: zMini.optional(zMini.string().check(zMini.maxLength(3))) }) as never,
        output: zMini.array(zMini.string()) as never,
      }),
    });
    expect(mini).toBe(classic);
  });
});

describe('the canonical form (docs/protocol.md §6.1)', () => {
  // The worked example of docs/protocol.md, character for character.
  const api = contract({
    chat: {
      send: procedure({ input: z.object({ room: z.string(), text: z.string().min(1).max(500) }), output: z.object({ id: z.int(), at: z.date() }) }),
      messages: subscription({ input: z.object({ room: z.string() }), event: z.object({ text: z.string(), from: z.email().optional() }) }),
    },
  });
  const canonical =
    '[["chat.messages","subscription",{"shape":[["room",{"type":"string"}]],"type":"object"},' +
    '{"shape":[["from",{"inner":{"checks":[{"check":"string_format","format":"email"}],"type":"string"},"type":"optional"}],["text",{"type":"string"}]],"type":"object"}],' +
    '["chat.send","procedure",{"shape":[["room",{"type":"string"}],["text",{"checks":[{"check":"min_length","minimum":1},{"check":"max_length","maximum":500}],"type":"string"}]],"type":"object"},' +
    '{"shape":[["at",{"type":"date"}],["id",{"checks":[{"check":"number_format","format":"safeint"}],"type":"number"}]],"type":"object"}]]';

  it('is the documented text', () => {
    expect(canonicalJson(contractShape(indexOf(api).byPath))).toBe(canonical);
  });

  it('hashes to the documented fingerprint', () => {
    expect(fnv1a64(canonical)).toBe(indexOf(api).fingerprint);
    expect(indexOf(api).fingerprint).toBe('f8a3207235d2bb18');
  });

  it('does not change with the order of an object\'s keys, a description, a default\'s value or a refine', () => {
    const of = (s: z.ZodType) => print({ p: procedure({ input: s, output: z.void() }) });
    expect(of(z.object({ a: z.string(), b: z.number() }))).toBe(of(z.object({ b: z.number(), a: z.string() })));
    expect(of(z.string().describe('a name'))).toBe(of(z.string()));
    expect(of(z.string().default('x'))).toBe(of(z.string().default('y')));
    expect(of(z.string().default('x'))).not.toBe(of(z.string()));
    expect(of(z.string().refine(() => true))).toBe(of(z.string()));
    expect(of(z.string().regex(/a/))).not.toBe(of(z.string().regex(/b/)));
    expect(of(z.string().regex(/a/))).not.toBe(of(z.string().regex(/a/i)));
  });

  it('describes a recursive schema with a reference to the enclosing one', () => {
    const Node: z.ZodType = z.lazy(() => z.object({ children: z.array(Node) }));
    const shape = contractShape(indexOf(contract({ t: procedure({ input: z.void(), output: Node }) })).byPath);
    expect(canonicalJson(shape)).toBe(
      '[["t","procedure",{"type":"void"},{"shape":[["children",{"element":{"depth":0,"type":"ref"},"type":"array"}]],"type":"object"}]]',
    );
  });
});
