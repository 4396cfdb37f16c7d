/**
 * Guards: authorization rules per procedure, per subscription, per namespace and for everything (`'*'`),
 * checked after the input is parsed and before the handler runs. A guard sees the context, the parsed input
 * and the path; it allows only by returning `true` (a forgotten return refuses). Returning anything else
 * refuses with FORBIDDEN and no data; throwing an AckwireError refuses with that error.
 *
 *   guards: {
 *     '*': ({ ctx }) => ctx.user !== undefined,
 *     admin: ({ ctx }) => ctx.role === 'admin',
 *     'chat.send': ({ ctx, input }) => !ctx.muted.has(input.room),
 *   }
 *
 * For a path, `'*'` runs first, then the guards of its namespaces from the outermost, then its own; all
 * must allow it.
 */
import { AckwireError, type ContractTree, type Definition, type ParsedInputOf, type PathsOf } from '@ackwire/core';
import { isPromise } from './is-promise.js';

export interface GuardInfo<Ctx, Input = unknown> {
  readonly ctx: Ctx;
  /** The input after the contract's schema parsed it. */
  readonly input: Input;
  /** Dotted path of the procedure or subscription. */
  readonly path: string;
  readonly kind: 'procedure' | 'subscription';
  readonly sessionId: string;
}

/** Allow by returning `true`; refuse with anything else, or by throwing an AckwireError. */
export type Guard<Ctx, Input = unknown> = (info: GuardInfo<Ctx, Input>) => boolean | Promise<boolean>;

/** Dotted paths of every namespace in a tree. */
export type NamespacesOf<T extends ContractTree, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends Definition ? never : T[K] extends ContractTree ? `${P}${K}` | NamespacesOf<T[K], `${P}${K}.`> : never;
}[keyof T & string];

/** The definition at a dotted path. */
export type DefinitionAt<T, P extends string> = P extends `${infer H}.${infer R}`
  ? H extends keyof T
    ? DefinitionAt<T[H], R>
    : never
  : P extends keyof T
    ? T[P]
    : never;

type InputAt<T extends ContractTree, P extends string> = DefinitionAt<T, P> extends infer D extends Definition ? ParsedInputOf<D> : unknown;

export type Guards<T extends ContractTree, Ctx> = { readonly '*'?: Guard<Ctx> } & {
  readonly [N in NamespacesOf<T>]?: Guard<Ctx>;
} & { readonly [P in PathsOf<T>]?: Guard<Ctx, InputAt<T, P>> };

type AnyGuard = Guard<unknown, unknown>;


const refused = (): AckwireError => new AckwireError('FORBIDDEN', 'Forbidden');

export class GuardRunner {
  private readonly byPath = new Map<string, readonly AnyGuard[]>();

  /** `paths`: every definition path of the contract. Unknown keys in `guards` throw here. */
  constructor(paths: Iterable<string>, guards: Readonly<Record<string, AnyGuard | undefined>> = {}) {
    const all = [...paths];
    const namespaces = new Set(all.flatMap((p) => p.split('.').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('.'))));
    for (const key of Object.keys(guards)) {
      if (key !== '*' && !namespaces.has(key) && !all.includes(key)) throw new TypeError(`Ackwire server: guard for unknown path "${key}"`);
      if (typeof guards[key] !== 'function') throw new TypeError(`Ackwire server: guard "${key}" is not a function`);
    }
    for (const path of all) {
      const parts = path.split('.');
      const keys = ['*', ...parts.map((_, i) => parts.slice(0, i + 1).join('.'))];
      const list = keys.map((k) => (Object.prototype.hasOwnProperty.call(guards, k) ? guards[k] : undefined)).filter((g): g is AnyGuard => g !== undefined);
      if (list.length > 0) this.byPath.set(path, list);
    }
  }

  /** Whether any guard applies to `path`. */
  has(path: string): boolean {
    return this.byPath.has(path);
  }

  /**
   * Run the guards of `path`. Returns undefined when every guard allowed synchronously, a promise when one
   * is asynchronous (it rejects on refusal); throws on a synchronous refusal.
   */
  check(info: GuardInfo<unknown>): Promise<void> | undefined {
    const list = this.byPath.get(info.path);
    if (!list) return undefined;
    for (let i = 0; i < list.length; i++) {
      const verdict = list[i]!(info);
      if (verdict === true) continue;
      if (isPromise(verdict)) return this.rest(list, i, verdict, info);
      throw refused();
    }
    return undefined;
  }

  private async rest(list: readonly AnyGuard[], from: number, first: Promise<boolean>, info: GuardInfo<unknown>): Promise<void> {
    if ((await first) !== true) throw refused();
    for (let i = from + 1; i < list.length; i++) if ((await list[i]!(info)) !== true) throw refused();
  }
}
