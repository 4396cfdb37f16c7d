/**
 * The types a server implements: one handler per procedure and per subscription of the contract, typed from
 * its schemas. A missing, misspelled or wrongly typed handler is a compile error.
 */
import type {
  ContractTree,
  HandlerOutputOf,
  ParsedInputOf,
  ProcedureDef,
  SubscriptionDef,
} from '@ackwire/core';

/** What a procedure handler gets besides its input. */
export interface CallInfo<Ctx> {
  /** The context built for this connection by the server's `context` option. */
  readonly ctx: Ctx;
  /** Aborted when the caller cancels, the call's deadline passes, or the session ends. */
  readonly signal: AbortSignal;
  /** The call id, unique within the session; a retried call keeps its id and does not run again. */
  readonly callId: number;
  readonly sessionId: string;
}

/** What a subscription handler gets besides its input. */
export interface SubscribeInfo<Ctx> {
  readonly ctx: Ctx;
  readonly sessionId: string;
}

/** A topic key: any JSON value. Equal keys (compared as canonical JSON) are one topic. */
export type TopicKey = string | number | boolean | null | readonly TopicKey[] | { readonly [key: string]: TopicKey };

export type ProcedureHandler<D extends ProcedureDef, Ctx> = (
  input: ParsedInputOf<D>,
  info: CallInfo<Ctx>,
) => HandlerOutputOf<D> | Promise<HandlerOutputOf<D>>;

/**
 * Maps a subscription's input to the topic it listens to, and may refuse it by throwing an AckwireError
 * (FORBIDDEN, say). `server.publish(def, key, event)` reaches the subscribers whose handler returned `key`.
 */
export type SubscriptionHandler<D extends SubscriptionDef, Ctx> = (
  input: ParsedInputOf<D>,
  info: SubscribeInfo<Ctx>,
) => TopicKey | Promise<TopicKey>;

export type Handlers<T extends ContractTree, Ctx = unknown> = {
  [K in keyof T & string]: T[K] extends ProcedureDef
    ? ProcedureHandler<T[K], Ctx>
    : T[K] extends SubscriptionDef
      ? SubscriptionHandler<T[K], Ctx>
      : T[K] extends ContractTree
        ? Handlers<T[K], Ctx>
        : never;
};
