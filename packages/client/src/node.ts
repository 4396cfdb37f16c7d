/** Node entry: like the browser entry, with `ws` as the default WebSocket (Node 20 has no global one; see
 * node-socket.ts). */
import type { Contract, ContractTree } from '@ackwire/core';
import { makeClient } from './client.js';
import { NodeWebSocket } from './node-socket.js';
import { nodeSockets } from './node-socket-events.js';
import type { ClientOptions, WebSocketLike } from './options.js';
import type { Client } from './types.js';

export function createClient<T extends ContractTree>(contract: Contract<T>, options: ClientOptions): Client<T> {
  return makeClient(contract, options, NodeWebSocket as unknown as WebSocketLike, nodeSockets);
}

export type * from './types.js';
export type { ClientOptions, ReconnectOptions, HeartbeatOptions, WebSocketLike } from './options.js';
export { backoffDelay } from './refusal.js';
export { AckwireError, isAckwireError, ErrorCode, CloseCode } from '@ackwire/core';
