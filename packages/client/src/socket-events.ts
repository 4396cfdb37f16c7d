/**
 * Wiring a WebSocket's events to the connection that owns it. With `ws` (Node), through its EventEmitter
 * API and four shared functions: no event object per frame and no closures per socket. With any other
 * implementation (browsers), through the standard `on*` properties.
 */

/** What the connection is told about its socket. */
export interface SocketSink {
  socketOpened(ws: WebSocket): void;
  /** A text frame as a string; a binary frame as whatever the implementation gives. */
  socketMessage(ws: WebSocket, data: unknown): void;
  socketError(ws: WebSocket, message: string): void;
  socketClosed(ws: WebSocket, code: number, reason: string): void;
}

/** The part of `ws`'s WebSocket used here. */
interface EmitterSocket {
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
  [SINK]?: SocketSink | undefined;
}

const SINK = Symbol('ackwire.sink');

/** `ws` sockets start with binaryType "nodebuffer"; browsers' with "blob", and they have no `on`. */
function isEmitter(ws: WebSocket): boolean {
  return (ws as { binaryType?: string }).binaryType === 'nodebuffer' && typeof (ws as unknown as EmitterSocket).on === 'function';
}

function onOpen(this: EmitterSocket): void {
  this[SINK]?.socketOpened(this as unknown as WebSocket);
}

function onMessage(this: EmitterSocket, data: { toString(): string }, isBinary: boolean): void {
  this[SINK]?.socketMessage(this as unknown as WebSocket, isBinary ? data : data.toString());
}

function onError(this: EmitterSocket, err: { message?: string } | undefined): void {
  this[SINK]?.socketError(this as unknown as WebSocket, err?.message ?? '');
}

function onClose(this: EmitterSocket, code: number, reason: { toString(): string } | undefined): void {
  this[SINK]?.socketClosed(this as unknown as WebSocket, code, reason ? reason.toString() : '');
}

/** The listeners `unlisten` removes; the error listener is added with them and stays. */
const DETACHABLE: ReadonlyArray<readonly [string, (...args: any[]) => void]> = [
  ['open', onOpen],
  ['message', onMessage],
  ['close', onClose],
];

export function listen(ws: WebSocket, sink: SocketSink): void {
  if (isEmitter(ws)) {
    const e = ws as unknown as EmitterSocket;
    e[SINK] = sink;
    for (const [event, listener] of DETACHABLE) e.on(event, listener);
    e.on('error', onError);
    return;
  }
  ws.onopen = () => sink.socketOpened(ws);
  ws.onmessage = (event: MessageEvent) => sink.socketMessage(ws, event.data);
  ws.onerror = (event: Event) => sink.socketError(ws, (event as { message?: string }).message ?? '');
  ws.onclose = (event: CloseEvent) => sink.socketClosed(ws, event.code, event.reason);
}

/** Stop telling the sink about this socket. With `ws`, the error listener stays (and does nothing): an
 * error emitted with no listener would be thrown. */
export function unlisten(ws: WebSocket): void {
  if (isEmitter(ws)) {
    const e = ws as unknown as EmitterSocket;
    e[SINK] = undefined;
    for (const [event, listener] of DETACHABLE) e.off(event, listener);
    return;
  }
  ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
}
