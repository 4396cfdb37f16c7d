/**
 * Contracts: a tree of namespaces holding procedures and subscriptions, each with zod schemas.
 * `contract()` stamps every definition with its dotted path and indexes the tree once.
 */
import type * as z from 'zod/v4/core';
import { fingerprintOf } from './fingerprint.js';
import type { Schema } from './validate.js';

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
}

export const CONTRACT_INDEX = Symbol.for('ackwire.contract');

export interface ContractIndex {
  /** Every definition by dotted path. */
  readonly byPath: ReadonlyMap<string, Definition>;
  /** Hash of the contract's shape (names, kinds and schemas). Equal on both sides or the client is refused. */
  readonly fingerprint: string;
}

export type Contract<T extends ContractTree = ContractTree> = T & { readonly [CONTRACT_INDEX]: ContractIndex };

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

const NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function isDefinition(value: unknown): value is Definition {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'procedure' || kind === 'subscription';
}

/** Define a contract. Names must be identifiers; each definition object may appear once. */
export function contract<const T extends ContractTree>(tree: T): Contract<T> {
  const byPath = new Map<string, Definition>();
  const seen = new Set<Definition>();
  const walk = (node: ContractTree, prefix: string): void => {
    for (const [name, child] of Object.entries(node)) {
      if (!NAME.test(name)) throw new TypeError(`Ackwire contract: "${prefix}${name}" is not a valid name`);
      const path = prefix + name;
      if (isDefinition(child)) {
        if (seen.has(child)) throw new TypeError(`Ackwire contract: the definition at "${path}" is used twice`);
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
  let fingerprint: string | undefined;
  const index: ContractIndex = {
    byPath,
    get fingerprint() {
      return (fingerprint ??= fingerprintOf(byPath));
    },
  };
  Object.defineProperty(tree, CONTRACT_INDEX, { value: index, enumerable: false });
  return tree as Contract<T>;
}

export function indexOf(c: Contract): ContractIndex {
  const index = (c as { [CONTRACT_INDEX]?: ContractIndex })[CONTRACT_INDEX];
  if (!index) throw new TypeError('Ackwire: expected a contract made with contract()');
  return index;
}

// ---- type helpers --------------------------------------------------------------------------------------

/** What the caller passes. */
export type InputOf<D extends Definition> = z.input<D['input']>;
/** What a handler receives after parsing. */
export type ParsedInputOf<D extends Definition> = z.output<D['input']>;
/** What a handler returns (before the output schema runs). */
export type HandlerOutputOf<D extends ProcedureDef> = z.input<D['output']>;
/** What the caller receives. */
export type OutputOf<D extends ProcedureDef> = z.output<D['output']>;
/** What `publish` accepts. */
export type PublishedEventOf<D extends SubscriptionDef> = z.input<D['event']>;
/** What a subscriber receives. */
export type EventOf<D extends SubscriptionDef> = z.output<D['event']>;

/** Dotted paths of every definition in a tree. */
export type PathsOf<T extends ContractTree, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends Definition
    ? `${P}${K}`
    : T[K] extends ContractTree
      ? PathsOf<T[K], `${P}${K}.`>
      : never;
}[keyof T & string];
