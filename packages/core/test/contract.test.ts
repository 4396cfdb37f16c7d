import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import * as zm from 'zod/mini';
import { contract, indexOf, procedure, subscription, type ContractTree, type Definition } from '../src/contract.js';
import { AckwireError, ErrorCode, WIRE_ERROR_CODES, isAckwireError, isErrorCode } from '../src/errors.js';

const fingerprint = (tree: ContractTree): string => indexOf(contract(tree)).fingerprint;

/** A fresh tree each call, so the same shape can be made into several contracts. */
const shop = () => ({
  cart: {
    add: procedure({ input: z.object({ sku: z.string(), qty: z.number().int() }), output: z.object({ total: z.number() }) }),
    changes: subscription({ input: z.object({ cartId: z.string() }), event: z.object({ at: z.date(), qty: z.number() }) }),
  },
  ping: procedure({ input: z.void(), output: z.literal('pong') }),
});

describe('contract()', () => {
  it('stamps every definition with its dotted path and indexes it', () => {
    const c = contract(shop());
    expect(c.cart.add.path).toBe('cart.add');
    expect(c.cart.changes.path).toBe('cart.changes');
    expect(c.ping.path).toBe('ping');
    const { byPath } = indexOf(c);
    expect([...byPath.keys()].sort()).toStrictEqual(['cart.add', 'cart.changes', 'ping']);
    expect(byPath.get('cart.add')).toBe(c.cart.add);
    expect(c.cart.add.kind).toBe('procedure');
    expect(c.cart.changes.kind).toBe('subscription');
    expect(c.cart.add.idempotent).toBe(false);
    expect(procedure({ input: z.void(), output: z.void(), idempotent: true }).idempotent).toBe(true);
  });

  it('freezes stamped definitions and hides its index from enumeration', () => {
    const c = contract(shop());
    expect(Object.isFrozen(c.cart.add)).toBe(true);
    expect(Object.keys(c).sort()).toStrictEqual(['cart', 'ping']);
    expect(JSON.stringify(Object.keys(c.cart))).toBe('["add","changes"]');
  });

  it('rejects names that are not identifiers', () => {
    // A computed name has the type `string`, which may start with `$`: typed as a tree to reach the run-time check.
    const named = (name: string, node: Definition | ContractTree) => ({ [name]: node }) as ContractTree;
    for (const name of ['', '1st', 'a-b', 'a.b', 'a b', 'é', 'a/b']) {
      expect(() => contract(named(name, procedure({ input: z.void(), output: z.void() }))), JSON.stringify(name)).toThrow(TypeError);
      expect(() => contract({ ns: named(name, procedure({ input: z.void(), output: z.void() })) }), JSON.stringify(name)).toThrow(/not a valid name/);
    }
    for (const name of ['a', '_a', 'a$', 'A1', 'camelCase']) {
      expect(() => contract(named(name, procedure({ input: z.void(), output: z.void() }))), name).not.toThrow();
    }
  });

  it('refuses names starting with $, which the controls of a client use (a procedure named $close replaced $close)', () => {
    const p = () => procedure({ input: z.void(), output: z.void() });
    // The same names are compile errors too (contract-names.test-d.ts); here the run-time check.
    // @ts-expect-error: a `$` name
    expect(() => contract({ $close: p() })).toThrow(/"\$close" starts with "\$"/);
    // @ts-expect-error: a `$` name
    expect(() => contract({ ns: { $on: subscription({ input: z.void(), event: z.void() }) } })).toThrow(/"ns\.\$on" starts with "\$"/);
    // @ts-expect-error: a `$` name
    expect(() => contract({ $admin: { stats: p() } })).toThrow(/"\$admin" starts with "\$"/);
  });

  it('refuses a schema that is not zod 4, naming the definition and what it got', () => {
    // The shape of a valibot schema: a Standard Schema of another vendor, with no zod internals.
    const valibotLike = { kind: 'schema', type: 'string', '~standard': { version: 1, vendor: 'valibot', validate: () => ({ value: '' }) } };
    const zod3Like = { _def: { typeName: 'ZodString' }, safeParse: () => ({ success: true }) };
    const bad = (schema: unknown) => schema as z.ZodString;
    expect(() => contract({ a: procedure({ input: bad(valibotLike), output: z.void() }) })).toThrow(
      /the input of "a" is a valibot schema, not a zod 4 schema/,
    );
    expect(() => contract({ ns: { a: procedure({ input: z.void(), output: bad(zod3Like) }) } })).toThrow(/the output of "ns\.a" is a zod 3 schema/);
    expect(() => contract({ s: subscription({ input: z.void(), event: bad(undefined) }) })).toThrow(/the event of "s" is undefined/);
    expect(() => contract({ a: procedure({ input: z.void(), output: z.void() }) }, { params: bad({}) })).toThrow(/the params schema is an object that is not a schema/);
  });

  it('takes zod/mini schemas, and a params schema', () => {
    const params = zm.object({ token: zm.string() });
    const c = contract({ add: procedure({ input: zm.object({ a: zm.number() }), output: zm.number() }) }, { params });
    expect(indexOf(c).params).toBe(params);
    expect(indexOf(contract({ a: procedure({ input: z.void(), output: z.void() }) })).params).toBeUndefined();
    expect(indexOf(c).fingerprint).toBe(indexOf(contract({ add: procedure({ input: z.object({ a: z.number() }), output: z.number() }) })).fingerprint);
  });

  it('rejects a definition used twice, naming the second path', () => {
    const p = procedure({ input: z.void(), output: z.void() });
    expect(() => contract({ a: p, b: { c: p } })).toThrow(/"b\.c" is used twice/);
  });

  it('rejects a definition that already belongs to another contract', () => {
    const p = procedure({ input: z.void(), output: z.void() });
    contract({ a: p });
    expect(() => contract({ b: p })).toThrow(TypeError);
  });

  it('rejects values that are neither namespaces nor definitions', () => {
    expect(() => contract({ a: 5 } as unknown as ContractTree)).toThrow(/neither a namespace nor a definition/);
    expect(() => contract({ a: null } as unknown as ContractTree)).toThrow(TypeError);
  });

  it('indexOf refuses a tree that was not made by contract()', () => {
    expect(() => indexOf(shop() as never)).toThrow(/expected a contract/);
  });
});

describe('fingerprint', () => {
  it('is 16 hex digits, stable for equal contracts and independent of declaration order', () => {
    const a = fingerprint(shop());
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(fingerprint(shop())).toBe(a);
    const reordered = shop();
    expect(fingerprint({ ping: reordered.ping, cart: { changes: reordered.cart.changes, add: reordered.cart.add } })).toBe(a);
    const c = contract(shop());
    expect(indexOf(c).fingerprint).toBe(indexOf(c).fingerprint);
  });

  const base = fingerprint(shop());
  const variants: Array<[string, () => ContractTree]> = [
    ['a procedure renamed', () => ({ cart: shop().cart, pong: shop().ping })],
    ['a namespace renamed', () => ({ basket: shop().cart, ping: shop().ping })],
    ['a definition added', () => ({ ...shop(), extra: procedure({ input: z.void(), output: z.void() }) })],
    ['a definition removed', () => ({ cart: shop().cart })],
    [
      'a procedure turned into a subscription with the same schemas',
      () => ({ ...shop(), ping: subscription({ input: z.void(), event: z.literal('pong') }) }),
    ],
    [
      'an input field type changed',
      () => ({ ...shop(), cart: { ...shop().cart, add: procedure({ input: z.object({ sku: z.string(), qty: z.string() }), output: z.object({ total: z.number() }) }) } }),
    ],
    [
      'an input field made optional',
      () => ({ ...shop(), cart: { ...shop().cart, add: procedure({ input: z.object({ sku: z.string(), qty: z.number().int().optional() }), output: z.object({ total: z.number() }) }) } }),
    ],
    [
      'an output field added',
      () => ({ ...shop(), cart: { ...shop().cart, add: procedure({ input: z.object({ sku: z.string(), qty: z.number().int() }), output: z.object({ total: z.number(), n: z.number() }) }) } }),
    ],
    [
      'an event field changed from z.date() to z.string()',
      () => ({ ...shop(), cart: { ...shop().cart, changes: subscription({ input: z.object({ cartId: z.string() }), event: z.object({ at: z.string(), qty: z.number() }) }) } }),
    ],
    ['a literal changed', () => ({ ...shop(), ping: procedure({ input: z.void(), output: z.literal('PONG') }) })],
  ];
  for (const [name, tree] of variants) {
    it(`changes when ${name}`, () => {
      expect(fingerprint(tree())).not.toBe(base);
    });
  }

  it('tells apart types JSON Schema cannot express: z.date(), z.string(), z.bigint(), z.map(), z.set()', () => {
    const prints = [z.date(), z.string(), z.bigint(), z.number(), z.map(z.string(), z.number()), z.set(z.string()), z.undefined(), z.void()].map((s) =>
      fingerprint({ p: procedure({ input: s, output: z.void() }) }),
    );
    expect(new Set(prints).size).toBe(prints.length);
  });

  it('reads input and output schemas on the right side of a transform', () => {
    const plain = fingerprint({ p: procedure({ input: z.string(), output: z.number() }) });
    const transformed = fingerprint({ p: procedure({ input: z.string(), output: z.string().transform((s) => s.length) }) });
    expect(transformed).not.toBe(plain);
  });

  // Regression: Map and Set were described by their zod type name only, so what they hold did not count.
  it('changes when the element type of a Map or Set changes', () => {
    const of = (s: z.ZodType) => fingerprint({ p: procedure({ input: s, output: z.void() }) });
    expect(of(z.map(z.string(), z.number()))).not.toBe(of(z.map(z.string(), z.string())));
    expect(of(z.set(z.string()))).not.toBe(of(z.set(z.number())));
  });
});

describe('AckwireError', () => {
  it('carries a code, a message and data, and serializes without internals', () => {
    const cause = new Error('db down');
    const err = new AckwireError('CONFLICT', 'Already taken', { data: { field: 'name' }, cause });
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(AckwireError);
    expect(err.name).toBe('AckwireError');
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toBe('Already taken');
    expect(err.data).toStrictEqual({ field: 'name' });
    expect(err.cause).toBe(cause);
    expect(JSON.parse(JSON.stringify(err))).toStrictEqual({ code: 'CONFLICT', message: 'Already taken', data: { field: 'name' } });
    expect(JSON.parse(JSON.stringify(new AckwireError('NOT_FOUND')))).toStrictEqual({ code: 'NOT_FOUND', message: 'NOT_FOUND' });
  });

  it('instanceof works across two copies of the module', async () => {
    const specifier = '../src/errors.ts?copy';
    const copy = (await import(/* @vite-ignore */ specifier)) as typeof import('../src/errors.js');
    expect(copy.AckwireError).not.toBe(AckwireError);
    const foreign = new copy.AckwireError('FORBIDDEN', 'from the other copy');
    expect(foreign).toBeInstanceOf(AckwireError);
    expect(isAckwireError(foreign)).toBe(true);
    expect(new AckwireError('TIMEOUT')).toBeInstanceOf(copy.AckwireError);
    expect(copy.isAckwireError(new AckwireError('TIMEOUT'))).toBe(true);
  });

  it('instanceof accepts an object with the Symbol.for brand and refuses look-alikes', () => {
    const branded = { [Symbol.for('ackwire.error')]: true, code: 'FORBIDDEN', message: 'x' };
    expect(branded).toBeInstanceOf(AckwireError);
    for (const other of [new Error('x'), { code: 'FORBIDDEN', message: 'x', name: 'AckwireError' }, { [Symbol('ackwire.error')]: true }, null, undefined, 'AckwireError', 5]) {
      expect(isAckwireError(other)).toBe(false);
    }
  });

  it('wire codes are a subset of the codes; client-side codes never cross the wire', () => {
    for (const code of WIRE_ERROR_CODES) expect(isErrorCode(code)).toBe(true);
    for (const code of ['CONTRACT_MISMATCH', 'SUBPROTOCOL_MISMATCH', 'CONNECTION_CLOSED', 'RESULT_UNKNOWN', 'OUTBOX_FULL', 'PROTOCOL_ERROR']) {
      expect(isErrorCode(code)).toBe(true);
      expect(WIRE_ERROR_CODES.has(code)).toBe(false);
    }
    expect(Object.keys(ErrorCode).every((k) => ErrorCode[k as keyof typeof ErrorCode] === k)).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode('nope')).toBe(false);
  });
});

describe('type helpers', () => {
  it('contract() keeps the literal tree type', () => {
    const c = contract(shop());
    expectTypeOf(c.cart.add.kind).toEqualTypeOf<'procedure'>();
    expectTypeOf(c.cart.changes.kind).toEqualTypeOf<'subscription'>();
    expectTypeOf(c.ping).toExtend<Definition>();
  });
});
