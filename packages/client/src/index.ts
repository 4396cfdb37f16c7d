/** Browser entry: uses the global WebSocket. */
import type { Contract, ContractTree } from '@ackwire/core';
import { makeClient } from './client.js';
import { browserSockets } from './socket-events.js';
import type { ClientOptions } from './options.js';
import type { Client } from './types.js';

export function createClient<T extends ContractTree>(contract: Contract<T>, options: ClientOptions): Client<T> {
  return makeClient(contract, options, undefined, browserSockets);
}

export type * from './types.js';
export type { ClientOptions, ReconnectOptions, HeartbeatOptions, WebSocketLike } from './options.js';
export { backoffDelay } from './refusal.js';
export { AckwireError, isAckwireError, ErrorCode, CloseCode } from '@ackwire/core';
