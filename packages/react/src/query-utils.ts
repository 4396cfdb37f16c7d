/**
 * TanStack Query options per procedure, the shape tRPC's and oRPC's integrations have:
 * `q.chat.history.queryOptions({ room })` and `q.chat.send.mutationOptions()`, typed by the contract, for
 * `useQuery`, `useSuspenseQuery`, `queryClient.fetchQuery`, `useMutation` and the rest. The tree is a
 * proxy over procedure paths and reads the client only when a query or mutation runs, so it can be built
 * while rendering on the server, before any client exists.
 */
import type { AckwireError, CallOptions, CallPromise, Client } from '@ackwire/client';
import type { ContractTree, InputOf, OutputOf, ProcedureDef, SubscriptionDef } from '@ackwire/core';
import type { DataTag, MutationFunctionContext, QueryFunctionContext, UseMutationOptions, UseQueryOptions } from '@tanstack/react-query';
import { AckwireError as AckwireErrorClass } from '@ackwire/core';

/** `['ackwire', 'chat.history', input]`; without the input, every query of the procedure. */
export type AckwireQueryKey = readonly ['ackwire', string, unknown?];

/** A client's call for a mutation's `mutationFn`, with the call options it passes (receipts). */
export const CALL = Symbol.for('ackwire.react.call');

/** The options TanStack's `useQuery` (and `useSuspenseQuery`, `fetchQuery`, ...) takes, errors typed. */
export type AckwireQueryOptions<O, TData = O> = Omit<UseQueryOptions<O, AckwireError, TData, AckwireQueryKey>, 'queryKey' | 'queryFn'> & {
  queryKey: DataTag<AckwireQueryKey, O, AckwireError>;
  queryFn: (context: QueryFunctionContext<AckwireQueryKey>) => Promise<O>;
};

/** What a caller may add to a query's options: everything but its key and function. */
export type QueryExtras<O, TData = O> = Omit<UseQueryOptions<O, AckwireError, TData, AckwireQueryKey>, 'queryKey' | 'queryFn'>;

export type AckwireMutationOptions<I, O, TContext = unknown> = Omit<UseMutationOptions<O, AckwireError, I, TContext>, 'mutationKey' | 'mutationFn'> & {
  mutationKey: AckwireQueryKey;
  mutationFn: (input: I, context: MutationFunctionContext) => Promise<O>;
  /** The call itself, for `useCallMutation` (which passes `onReceived`). */
  readonly [CALL]: (input: I, options?: CallOptions) => CallPromise<O>;
};

export type MutationExtras<I, O, TContext = unknown> = Omit<UseMutationOptions<O, AckwireError, I, TContext>, 'mutationKey' | 'mutationFn'>;

export interface ProcedureUtils<D extends ProcedureDef> {
  /** The procedure's path, dot-separated. */
  readonly path: string;
  /** The key of this input's query; without one, the prefix of every query of the procedure. */
  queryKey(input?: InputOf<D>): DataTag<AckwireQueryKey, OutputOf<D>, AckwireError>;
  queryOptions<TData = OutputOf<D>>(input: InputOf<D>, extra?: QueryExtras<OutputOf<D>, TData>): AckwireQueryOptions<OutputOf<D>, TData>;
  mutationOptions<TContext = unknown>(extra?: MutationExtras<InputOf<D>, OutputOf<D>, TContext>): AckwireMutationOptions<InputOf<D>, OutputOf<D>, TContext>;
}

export type QueryUtils<T extends ContractTree> = {
  readonly [K in keyof T & string]: T[K] extends ProcedureDef ? ProcedureUtils<T[K]> : T[K] extends SubscriptionDef ? never : T[K] extends ContractTree ? QueryUtils<T[K]> : never;
};

/** The client the queries run on: given, or read when a query runs (the provider's). */
type ClientSource = Client<any> | (() => Client<any> | undefined);

function clientOf(source: ClientSource, path: string): Client<any> {
  const client = typeof source === 'function' ? source() : source;
  if (!client) throw new AckwireErrorClass('CONNECTION_CLOSED', `No Ackwire client to run "${path}" on (rendering on the server, or outside the provider)`);
  return client;
}

function callerAt(client: Client<any>, segments: readonly string[]): (input: unknown, options?: CallOptions) => CallPromise<unknown> {
  let node: unknown = client;
  for (const s of segments) node = (node as Record<string, unknown> | undefined)?.[s];
  if (typeof node !== 'function') throw new AckwireErrorClass('NOT_FOUND', `No procedure "${segments.join('.')}" in the client's contract`);
  return node as (input: unknown, options?: CallOptions) => CallPromise<unknown>;
}

function procedureUtils(source: ClientSource, segments: readonly string[]): ProcedureUtils<ProcedureDef> {
  const path = segments.join('.');
  const call = (input: unknown, options?: CallOptions): CallPromise<unknown> => callerAt(clientOf(source, path), segments)(input, options);
  const queryKey = (input?: unknown) => (input === undefined ? ['ackwire', path] : ['ackwire', path, input]) as never;
  return {
    path,
    queryKey,
    queryOptions: (input, extra) =>
      ({
        ...extra,
        queryKey: queryKey(input ?? null),
        // TanStack's signal aborts the call when the query is cancelled (or no one observes it any more).
        queryFn: ({ signal }: QueryFunctionContext<AckwireQueryKey>) => call(input, { signal }),
      }) as never,
    mutationOptions: (extra) =>
      ({
        ...extra,
        mutationKey: ['ackwire', path],
        mutationFn: (input: unknown) => call(input),
        [CALL]: call,
      }) as never,
  };
}

/** The options tree for a client (or a function returning the client when a query runs). */
export function createQueryUtils<T extends ContractTree>(client: Client<T> | (() => Client<T> | undefined)): QueryUtils<T> {
  return node(client as ClientSource, []) as QueryUtils<T>;
}

const TERMINAL = new Set(['path', 'queryKey', 'queryOptions', 'mutationOptions']);

function node(source: ClientSource, segments: readonly string[]): unknown {
  let utils: ProcedureUtils<ProcedureDef> | undefined;
  const children = new Map<string, unknown>();
  return new Proxy(Object.create(null) as object, {
    get(_target, prop) {
      if (typeof prop !== 'string') return undefined;
      if (TERMINAL.has(prop) && segments.length > 0) return (utils ??= procedureUtils(source, segments))[prop as keyof ProcedureUtils<ProcedureDef>];
      let child = children.get(prop);
      if (!child) children.set(prop, (child = node(source, [...segments, prop])));
      return child;
    },
  });
}
