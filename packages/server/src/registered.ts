/** A procedure or subscription of the contract with the handler the server was given for it. */
import type { ProcedureDef, SubscriptionDef } from '@ackwire/core';

type AnyFn = (...args: any[]) => any;

export interface RegisteredProcedure {
  readonly def: ProcedureDef;
  readonly handler: AnyFn;
}

export interface RegisteredSubscription {
  readonly def: SubscriptionDef;
  readonly handler: AnyFn;
}
