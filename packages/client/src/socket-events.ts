/**
 * Wiring a WebSocket's events to the connection that owns it: the sink the connection implements, and the
 * binding each entry point gives it. The browser entry's, here, uses the standard `on*` properties; the Node
 * entry's (node-socket-events.ts) also reads what only `ws` can tell, and stays out of browser bundles.
 */
import type { HandshakeRefusal } from './http-refusal.js';
import type { Failure, SocketFailure } from './refusal.js';

/** What the connection is told about its socket. */
export interface SocketSink {
  socketOpened(ws: WebSocket): void;
  /** A text frame as a string; a binary frame as whatever the implementation gives. */
  socketMessage(ws: WebSocket, data: unknown): void;
  socketError(ws: WebSocket, failure: SocketFailure): void;
  /** The server answered the upgrade with an HTTP response instead of 101 (`ws` only); the close follows. */
  socketRefused(ws: WebSocket, refusal: HandshakeRefusal): void;
  socketClosed(ws: WebSocket, code: number, reason: string): void;
}

/** Coalesces the frames written in one tick into one write. */
export interface Corker {
  cork(): void;
}

/** How a connection listens to its sockets, and what it can learn from them. */
export interface SocketBinding {
  listen(ws: WebSocket, sink: SocketSink): void;
  /** Stop telling the sink about this socket. */
  unlisten(ws: WebSocket): void;
  /** Frames written in one tick share one system call: `ws` can cork its TCP socket, browsers cannot. */
  readonly corker?: (ws: WebSocket) => Corker;
  /** Whether the socket keeps a Node process alive; only the Node binding can tell its sockets. */
  readonly hold?: (ws: WebSocket, held: boolean) => void;
  /** What a refused upgrade means (see refusal.ts); only a binding that can see one (`ws`) has it. */
  readonly refused?: (refusal: HandshakeRefusal, url: string, offered: readonly string[]) => Failure;
}

/** The standard WebSocket API: browsers, and any implementation with `on*` properties. */
export const browserSockets: SocketBinding = {
  listen(ws, sink) {
    ws.onopen = () => sink.socketOpened(ws);
    ws.onmessage = (event: MessageEvent) => sink.socketMessage(ws, event.data);
    ws.onerror = (event: Event) => sink.socketError(ws, { code: undefined, message: (event as { message?: string }).message ?? '' });
    ws.onclose = (event: CloseEvent) => sink.socketClosed(ws, event.code, event.reason);
  },
  unlisten(ws) {
    ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
  },
};
