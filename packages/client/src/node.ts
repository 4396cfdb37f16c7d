/** Node entry: like the browser entry, with `ws` as the default WebSocket (Node 20 has no global one; see
 * node-socket.ts). */
import type { Contract, ContractTree, ParamsInput, Schema } from '@ackwire/core';
import { enableZodCompiler } from '@ackwire/core/internal';
import { makeClient } from './client.js';
import { restoreWith, type PersistentClientOptions } from './persistence/restore.js';
import { NodeWebSocket } from './node-socket.js';
import { nodeSockets } from './node-socket-events.js';
import type { ClientOptions, WebSocketLike } from './options.js';
import type { Client } from './types.js';

export function createClient<T extends ContractTree, P extends Schema | undefined = undefined>(
  contract: Contract<T, P>,
  options: ClientOptions<ParamsInput<P>>,
): Client<T, ParamsInput<P>> {
  // Validation through zod's compiler, as on the server; the browser entry parses with zod's interpreter,
  // which keeps the compiler out of browser bundles.
  enableZodCompiler();
  return makeClient(contract, options, NodeWebSocket as unknown as WebSocketLike, nodeSockets);
}

/** A client whose session and unanswered calls survive a reload (see persistence/restore.ts). */
export function restoreClient<T extends ContractTree>(contract: Contract<T>, options: PersistentClientOptions): Promise<Client<T>> {
  return restoreWith(contract, options, NodeWebSocket as unknown as WebSocketLike, nodeSockets);
}

export type * from './types.js';
export type { PersistentClientOptions } from './persistence/restore.js';
export { fileStorage } from './persistence/file-storage.js';
export { memoryStorage, type CallStorage, type StorageWrite, type StoredCall, type StoredSession, type StoredState } from './persistence/storage.js';
export type { ClientOptions, ReconnectOptions, HeartbeatOptions, WebSocketLike } from './options.js';
export { backoffDelay } from './refusal.js';
export type { CloseKind } from './close-kinds.js';
export { closeKind } from './close-kinds.js';
export type { NetworkSignals, NetworkWake } from './network.js';
export { AckwireError, isAckwireError, ErrorCode, CloseCode } from '@ackwire/core';
