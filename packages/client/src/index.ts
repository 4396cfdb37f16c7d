/** Browser entry: uses the global WebSocket. */
import type { Contract, ContractTree, ParamsInput, Schema } from '@ackwire/core';
import { makeClient } from './client.js';
import { browserSockets } from './socket-events.js';
import { restoreWith, type PersistentClientOptions } from './persistence/restore.js';
import type { ClientOptions } from './options.js';
import type { Client } from './types.js';

export function createClient<T extends ContractTree, P extends Schema | undefined = undefined>(
  contract: Contract<T, P>,
  options: ClientOptions<ParamsInput<P>>,
): Client<T, ParamsInput<P>> {
  return makeClient(contract, options, undefined, browserSockets);
}

/** A client whose session and unanswered calls survive a reload (see persistence/restore.ts). */
export function restoreClient<T extends ContractTree>(contract: Contract<T>, options: PersistentClientOptions): Promise<Client<T>> {
  return restoreWith(contract, options, undefined, browserSockets);
}

export type * from './types.js';
export type { PersistentClientOptions } from './persistence/restore.js';
export { indexedDBStorage, type IndexedDBStorageOptions } from './persistence/indexeddb.js';
export { memoryStorage, type CallStorage, type StorageWrite, type StoredCall, type StoredSession, type StoredState } from './persistence/storage.js';
export type { ClientOptions, ReconnectOptions, HeartbeatOptions, WebSocketLike } from './options.js';
export { backoffDelay } from './refusal.js';
export type { CloseKind } from './close-kinds.js';
export { closeKind } from './close-kinds.js';
export type { NetworkSignals, NetworkWake } from './network.js';
export { AckwireError, isAckwireError, ErrorCode, CloseCode } from '@ackwire/core';
