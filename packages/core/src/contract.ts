/**
 * Contracts: a tree of namespaces holding procedures and subscriptions, each with zod schemas.
 * `contract()` stamps every definition with its dotted path and indexes the tree once.
 */
import { fingerprintOf } from './fingerprint.js';
import { isZodSchema, type Schema } from './validate.js';

export type { Schema };

export interface ProcedureDef<I extends Schema = Schema, O extends Schema = Schema> {
  readonly kind: 'procedure';
  readonly input: I;
  readonly output: O;
  /**
   * The procedure may safely run twice. Only matters when a session is lost with the call in flight:
   * an idempotent call is re-sent in the new session, any other fails with RESULT_UNKNOWN.
   */
  readonly idempotent: boolean;
  /** Dotted path in the contract, set by `contract()`. */
  readonly path: string;
}

export interface SubscriptionDef<I extends Schema = Schema, E extends Schema = Schema> {
  readonly kind: 'subscription';
  readonly input: I;
  readonly event: E;
  readonly path: string;
}

export type Definition = ProcedureDef | SubscriptionDef;

export interface ContractTree {
  readonly [name: string]: Definition | ContractTree;
  /** Names starting with `$` are the client's own controls (`$close`, `$on`): a compile error here, and
   * refused by `contract()` at run time. A pattern index signature costs no instantiation per name. */
  readonly [control: `$${string}`]: never;
}

export const CONTRACT_INDEX = Symbol.for('ackwire.contract');

export interface ContractIndex<P extends Schema | undefined = Schema | undefined> {
  /** Every definition by dotted path. */
  readonly byPath: ReadonlyMap<string, Definition>;
  /** Hash of the contract's shape (names, kinds and schemas). Equal on both sides or the client is refused. */
  readonly fingerprint: string;
  /** Schema of the connection params a client sends in its hello and in `$authenticate`; none: any JSON. */
  readonly params: P;
}

/** A contract: its tree of namespaces and definitions, indexed by `contract()`. `P`: the params schema. */
export type Contract<T extends ContractTree = ContractTree, P extends Schema | undefined = Schema | undefined> = T & {
  readonly [CONTRACT_INDEX]: ContractIndex<P>;
};

export interface ContractOptions<P extends Schema | undefined> {
  /**
   * Schema of the connection params (credentials a browser cannot put in headers) that clients send in
   * every hello and in `$authenticate`. It types `params` on the client and on the server's `context`; the
   * client checks them before sending, the server checks them again and answers invalid ones with their
   * issues (BAD_REQUEST). Default: none, any JSON value.
   */
  readonly params?: P;
}

export function procedure<I extends Schema, O extends Schema>(def: {
  input: I;
  output: O;
  idempotent?: boolean;
}): ProcedureDef<I, O> {
  return { kind: 'procedure', input: def.input, output: def.output, idempotent: def.idempotent ?? false, path: '' };
}

export function subscription<I extends Schema, E extends Schema>(def: { input: I; event: E }): SubscriptionDef<I, E> {
  return { kind: 'subscription', input: def.input, event: def.event, path: '' };
}

/** Identifiers, except that a name may not start with `$`: the client's own controls do (`$close`, `$on`). */
const NAME = /^[A-Za-z_][A-Za-z0-9_$]*$/;

export function isDefinition(value: unknown): value is Definition {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'procedure' || kind === 'subscription';
}

/** What a value that should be a zod 4 schema looks like instead, for the error message. */
function whatIs(value: unknown): string {
  if (typeof value !== 'object' || value === null) return value === null ? 'null' : typeof value;
  const vendor = (value as { '~standard'?: { vendor?: unknown } })['~standard']?.vendor;
  if ('_def' in value && !('_zod' in value)) return 'a zod 3 schema';
  if (typeof vendor === 'string') return `a ${vendor} schema`;
  return 'an object that is not a schema';
}

function checkSchema(value: unknown, what: string): void {
  if (!isZodSchema(value)) {
    throw new TypeError(
      `Ackwire contract: ${what} is ${whatIs(value)}, not a zod 4 schema. Ackwire validates with zod 4: build schemas with 'zod' or 'zod/mini'.`,
    );
  }
}

/**
 * Define a contract. Names must be identifiers that do not start with `$`; each definition object may
 * appear once; every schema must be a zod 4 schema (classic or mini).
 */
export function contract<const T extends ContractTree, P extends Schema | undefined = undefined>(
  tree: T,
  options: ContractOptions<P> = {},
): Contract<T, P> {
  const byPath = new Map<string, Definition>();
  const seen = new Set<Definition>();
  const walk = (node: ContractTree, prefix: string): void => {
    for (const [name, child] of Object.entries(node)) {
      if (name.startsWith('$')) {
        throw new TypeError(`Ackwire contract: "${prefix}${name}" starts with "$", which the client's own controls ($close, $on, ...) use`);
      }
      if (!NAME.test(name)) throw new TypeError(`Ackwire contract: "${prefix}${name}" is not a valid name`);
      const path = prefix + name;
      if (isDefinition(child)) {
        if (seen.has(child)) throw new TypeError(`Ackwire contract: the definition at "${path}" is used twice`);
        checkSchema(child.input, `the input of "${path}"`);
        if (child.kind === 'procedure') checkSchema(child.output, `the output of "${path}"`);
        else checkSchema(child.event, `the event of "${path}"`);
        seen.add(child);
        (child as { path: string }).path = path;
        Object.freeze(child);
        byPath.set(path, child);
      } else if (typeof child === 'object' && child !== null) {
        walk(child, path + '.');
      } else {
        throw new TypeError(`Ackwire contract: "${path}" is neither a namespace nor a definition`);
      }
    }
  };
  walk(tree, '');
  if (options.params !== undefined) checkSchema(options.params, 'the params schema');
  let fingerprint: string | undefined;
  const index: ContractIndex<P> = {
    byPath,
    get fingerprint() {
      return (fingerprint ??= fingerprintOf(byPath));
    },
    params: options.params as P,
  };
  Object.defineProperty(tree, CONTRACT_INDEX, { value: index, enumerable: false });
  return tree as Contract<T, P>;
}

export function indexOf(c: Contract): ContractIndex {
  const index = (c as { [CONTRACT_INDEX]?: ContractIndex })[CONTRACT_INDEX];
  if (!index) throw new TypeError('Ackwire: expected a contract made with contract()');
  return index;
}

// ---- type helpers --------------------------------------------------------------------------------------
// They read a schema's types as zod's own z.input/z.output do (`_zod.input`, `_zod.output`), without the
// conditional type around it: one instantiation less per use, which counts in contracts of thousands of
// procedures. The type tests (client.test-d.ts, zod-mini.test-d.ts) fail if zod changes those members.

/** What the caller passes. */
export type InputOf<D extends Definition> = D['input']['_zod']['input'];
/** What a handler receives after parsing. */
export type ParsedInputOf<D extends Definition> = D['input']['_zod']['output'];
/** What a handler returns (before the output schema runs). */
export type HandlerOutputOf<D extends ProcedureDef> = D['output']['_zod']['input'];
/** What the caller receives. */
export type OutputOf<D extends ProcedureDef> = D['output']['_zod']['output'];
/** What `publish` accepts. */
export type PublishedEventOf<D extends SubscriptionDef> = D['event']['_zod']['input'];
/** What a subscriber receives. */
export type EventOf<D extends SubscriptionDef> = D['event']['_zod']['output'];

/** Dotted paths of every definition in a tree. */
export type PathsOf<T extends ContractTree, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends Definition
    ? `${P}${K}`
    : T[K] extends ContractTree
      ? PathsOf<T[K], `${P}${K}.`>
      : never;
}[keyof T & string];

/** The params schema of a contract (undefined when it declares none). */
export type ParamsSchemaOf<C extends Contract> = C[typeof CONTRACT_INDEX]['params'];
/** What a client sends as connection params: the params schema's input, or any value without one. */
export type ParamsOf<C extends Contract> = ParamsInput<ParamsSchemaOf<C>>;
/** What the server's `context` receives as `params`: the params schema's output. */
export type ParsedParamsOf<C extends Contract> = ParamsOutput<ParamsSchemaOf<C>>;
/** The input type of a params schema; `unknown` without one. */
export type ParamsInput<P extends Schema | undefined> = P extends Schema ? P['_zod']['input'] : unknown;
/** The output type of a params schema; `unknown` without one. */
export type ParamsOutput<P extends Schema | undefined> = P extends Schema ? P['_zod']['output'] : unknown;
/** The tree of a contract, without its index (what `createServer` and `createClient` infer as `T`). */
export type TreeOf<C extends Contract> = C extends Contract<infer T, Schema | undefined> ? T : never;
