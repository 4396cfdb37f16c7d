/**
 * `useSubscription(select, input, options)`: a subscription of the contract, keyed by its input, shared by
 * every component of the client that uses the same one (shared-subscription.ts), with a status a UI can
 * show and the last events.
 */
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { useAckwireClient } from './provider.js';
import { initialState, keyOf, sharedSubscription, type SubscriptionState } from './shared-subscription.js';
import type { AnyClient, AnySubscriptionCaller, EventInfo, SubscriptionEvent, SubscriptionInput } from './types.js';

export interface UseSubscriptionOptions<E> {
  /** False: no subscription (yet). Default true. */
  enabled?: boolean;
  /** Called for every event, in order, while this component is mounted; the place to update query data. */
  onData?: (event: E, info: EventInfo) => void;
  /** How many of the last events `events` holds (the largest asked by any user of the subscription). Default 50. */
  keep?: number;
}

export interface SubscriptionResult<E> extends SubscriptionState<E> {
  /** The gap was dealt with (the room reloaded, say): `gap` is cleared for every user. */
  clearGap(): void;
}

const noop = (): void => undefined;
const noWatch = (): (() => void) => noop;

export function useSubscription<C extends AnyClient, S extends AnySubscriptionCaller>(
  select: (client: C) => S,
  input: SubscriptionInput<S>,
  options: UseSubscriptionOptions<SubscriptionEvent<S>> = {},
): SubscriptionResult<SubscriptionEvent<S>> {
  type E = SubscriptionEvent<S>;
  const client = useAckwireClient<C>();
  const enabled = options.enabled ?? true;
  const key = keyOf(input);
  // Looked up, not created, during render: the effect below starts it, so rendering on the server (or a
  // render React throws away) subscribes to nothing.
  const shared = client && enabled ? sharedSubscription<E>(client, select(client), input) : undefined;
  if (shared && options.keep && options.keep > shared.keep) shared.keep = options.keep;

  const onData = useRef(options.onData);
  onData.current = options.onData;
  useEffect(() => {
    if (!shared) return undefined;
    return shared.use(options.onData || onData.current ? (event, info) => onData.current?.(event, info) : undefined);
    // The shared subscription is the same object for the same client, subscription and input (key).
  }, [shared, key]);

  const state = useSyncExternalStore(shared ? shared.watch : noWatch, shared ? shared.read : initialState<E>, initialState<E>);
  return { ...state, clearGap: shared ? shared.clearGap : noop };
}
