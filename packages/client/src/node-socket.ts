/**
 * The Node entry's default WebSocket: `ws`'s, with its events read through `ws`'s public EventEmitter API
 * (node-socket-events.ts). It keeps hold of the TCP socket of its opening handshake (`ws`'s `finishRequest`
 * option), so that a client with nothing to wait for can let the process exit while it connects (see
 * `holdProcess`).
 */
import WebSocket from 'ws';
import { finishRequest } from './node-socket-events.js';

export class NodeWebSocket extends WebSocket {
  constructor(address: string, protocols?: string | string[]) {
    super(address, protocols, { finishRequest });
  }
}
