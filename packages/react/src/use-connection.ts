/** `useConnection()`: the client's `$connection` (state, last close, next attempt) and "reconnect now". */
import type { ConnectionInfo } from '@ackwire/client';
import { useCallback, useSyncExternalStore } from 'react';
import { useAckwireClient } from './provider.js';
import type { AnyClient } from './types.js';

export interface ConnectionStatus extends ConnectionInfo {
  /** Try to connect now instead of waiting out the backoff (`client.$reconnect()`). */
  reconnect(): boolean;
}

/** What is rendered on the server and before a client exists: not connected yet, nothing to retry. */
const NOT_YET: ConnectionInfo = Object.freeze({ state: 'connecting', lastClose: undefined, retryAt: undefined, waitingForNetwork: false, attempt: 0, error: undefined });

const noSubscription = (): (() => void) => () => undefined;
const notYet = (): ConnectionInfo => NOT_YET;

export function useConnection(): ConnectionStatus {
  const client = useAckwireClient<AnyClient>();
  const subscribe = useCallback((changed: () => void) => (client ? client.$on('connection', changed) : () => undefined), [client]);
  const read = useCallback(() => (client ? client.$connection : NOT_YET), [client]);
  const info = useSyncExternalStore(client ? subscribe : noSubscription, read, notYet);
  const reconnect = useCallback(() => client?.$reconnect() ?? false, [client]);
  return { ...info, reconnect };
}
