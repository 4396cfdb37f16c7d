/**
 * `createAckwireHooks<typeof api>()`: the hooks with the contract's client type bound once, so that a
 * subscription is picked with `useSubscription((c) => c.chat.messages, { room })` and everything is typed.
 */
import { useAckwireClient } from './provider.js';
import { useConnection } from './use-connection.js';
import { useRecoveredCalls } from './use-recovered-calls.js';
import { useSubscription, type SubscriptionResult, type UseSubscriptionOptions } from './use-subscription.js';
import type { AnySubscriptionCaller, ClientOf, SubscriptionEvent, SubscriptionInput } from './types.js';

export interface AckwireHooks<C> {
  /** The provider's client; undefined while rendering on the server with a factory. */
  useClient(): ClientOf<C> | undefined;
  useConnection: typeof useConnection;
  useRecoveredCalls: typeof useRecoveredCalls;
  useSubscription<S extends AnySubscriptionCaller>(
    select: (client: ClientOf<C>) => S,
    input: SubscriptionInput<S>,
    options?: UseSubscriptionOptions<SubscriptionEvent<S>>,
  ): SubscriptionResult<SubscriptionEvent<S>>;
}

export function createAckwireHooks<C>(): AckwireHooks<C> {
  return {
    useClient: () => useAckwireClient<ClientOf<C>>(),
    useConnection,
    useRecoveredCalls,
    useSubscription: (select, input, options) => useSubscription(select, input, options),
  };
}
