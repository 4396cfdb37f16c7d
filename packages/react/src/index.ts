/**
 * `@ackwire/react`: a provider for an Ackwire client and hooks built on its public API: the connection's
 * state, subscriptions shared per (subscription, input), and calls recovered from before a reload. The
 * TanStack Query bindings are in `@ackwire/react/query`.
 */
export { AckwireProvider, useAckwireClient, type AckwireProviderProps } from './provider.js';
export { useConnection, type ConnectionStatus } from './use-connection.js';
export { useSubscription, type SubscriptionResult, type UseSubscriptionOptions } from './use-subscription.js';
export { useRecoveredCalls, type RecoveredCallState } from './use-recovered-calls.js';
export { sharedSubscription, type Gap, type SharedSubscription, type SubscriptionPhase, type SubscriptionState } from './shared-subscription.js';
export { createAckwireHooks, type AckwireHooks } from './create-hooks.js';
export type { AnyClient, ClientOf, AnyProcedureCaller, AnySubscriptionCaller, ProcedureInput, ProcedureOutput, SubscriptionEvent, SubscriptionInput, TreeOf } from './types.js';
