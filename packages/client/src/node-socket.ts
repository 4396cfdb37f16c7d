/**
 * The Node entry's default WebSocket: `ws`'s, telling the connection about its events from `emit` itself,
 * as the server's socket does, so that opening a connection registers no listeners and an event is one
 * call. A refused upgrade (`unexpected-response`) is read there too, for its status and reason. Other
 * events (`upgrade`, `ping`...) go to `ws`'s own handling. It also keeps hold of the TCP socket of its
 * opening handshake (`ws`'s `finishRequest` option), so that a client with nothing to wait for can let
 * the process exit while it connects (see `holdProcess`).
 */
import WebSocket from 'ws';
import { EMITS_TO_SINK, emitToSink, finishRequest, type SinkEmitter } from './node-socket-events.js';

export class NodeWebSocket extends WebSocket {
  constructor(address: string, protocols?: string | string[]) {
    super(address, protocols, { finishRequest });
  }

  get [EMITS_TO_SINK](): true {
    return true;
  }

  // `ws` emits at most two arguments for the events of a client's socket; no rest array per frame.
  override emit(event: string | symbol, a?: unknown, b?: unknown): boolean {
    return emitToSink(this as unknown as SinkEmitter, event, a, b) || super.emit(event, a, b);
  }
}
