/** Types the hooks share, derived from the client's typed callers. */
import type { CallOptions, CallPromise, Client, EventInfo, SubscribeHandlers, Subscription } from '@ackwire/client';
import type { Contract, ContractTree } from '@ackwire/core';

/** Any client made by `createClient`, whatever its contract. */
export type AnyClient = Client<any>;

/** The contract's tree of a contract value's type (`typeof api`). */
export type TreeOf<C> = C extends Contract<infer T> ? T : C extends ContractTree ? C : never;

/** The client of a contract value's type: `ClientOf<typeof api>`. */
export type ClientOf<C> = Client<TreeOf<C>>;

/** A subscription's caller in a client's tree (`client.chat.messages`). */
export interface AnySubscriptionCaller {
  subscribe(input: any, handlers: SubscribeHandlers<any>): Subscription;
}

export type SubscriptionInput<S extends AnySubscriptionCaller> = Parameters<S['subscribe']>[0];
export type SubscriptionEvent<S extends AnySubscriptionCaller> = Parameters<S['subscribe']>[1] extends SubscribeHandlers<infer E> ? E : never;

/** A procedure's caller in a client's tree (`client.chat.send`). */
export type AnyProcedureCaller = (input: any, options?: CallOptions) => CallPromise<any>;

export type ProcedureInput<P extends AnyProcedureCaller> = Parameters<P>[0];
export type ProcedureOutput<P extends AnyProcedureCaller> = ReturnType<P> extends CallPromise<infer O> ? O : never;

export type { EventInfo };
