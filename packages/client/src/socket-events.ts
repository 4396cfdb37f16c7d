/**
 * Wiring a WebSocket's events to the connection that owns it. With the Node entry's own `ws` subclass
 * (node-socket.ts), from its `emit`: no listeners at all. With a `ws` WebSocket passed in the options,
 * through its EventEmitter API and four shared functions: no event object per frame and no closures per
 * socket. With any other implementation (browsers), through the standard `on*` properties.
 */

/** What the connection is told about its socket. */
export interface SocketSink {
  socketOpened(ws: WebSocket): void;
  /** A text frame as a string; a binary frame as whatever the implementation gives. */
  socketMessage(ws: WebSocket, data: unknown): void;
  socketError(ws: WebSocket, message: string): void;
  socketClosed(ws: WebSocket, code: number, reason: string): void;
}

/** A socket with the sink it tells about its events. */
interface Sinked {
  [SINK]?: SocketSink | undefined;
}

/** The part of `ws`'s WebSocket used here. */
interface EmitterSocket extends Sinked {
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
}

const SINK = Symbol('ackwire.sink');
/** Set on sockets whose `emit` calls `emitToSink` itself. */
export const EMITS_TO_SINK = Symbol('ackwire.emitsToSink');

/** A socket that tells its sink from its own `emit`. */
export interface SinkEmitter extends Sinked {
  readonly [EMITS_TO_SINK]: true;
}

/** `ws` sockets start with binaryType "nodebuffer"; browsers' with "blob", and they have no `on`. */
function isEmitter(ws: WebSocket): boolean {
  return (ws as { binaryType?: string }).binaryType === 'nodebuffer' && typeof (ws as unknown as EmitterSocket).on === 'function';
}

function onOpen(this: Sinked): void {
  this[SINK]?.socketOpened(this as unknown as WebSocket);
}

function onMessage(this: Sinked, data: { toString(): string }, isBinary: boolean): void {
  this[SINK]?.socketMessage(this as unknown as WebSocket, isBinary ? data : data.toString());
}

function onError(this: Sinked, err: { message?: string } | undefined): void {
  this[SINK]?.socketError(this as unknown as WebSocket, err?.message ?? '');
}

function onClose(this: Sinked, code: number, reason: { toString(): string } | undefined): void {
  this[SINK]?.socketClosed(this as unknown as WebSocket, code, reason ? reason.toString() : '');
}

/**
 * For a socket's own `emit`: tells the sink about `open`, `message`, `error` and `close` (an error with no
 * sink is dropped, never thrown) and returns true; false for any other event.
 */
export function emitToSink(ws: SinkEmitter, event: string | symbol, a?: any, b?: any): boolean {
  switch (event) {
    case 'open':
      onOpen.call(ws);
      return true;
    case 'message':
      onMessage.call(ws, a, b);
      return true;
    case 'error':
      onError.call(ws, a);
      return true;
    case 'close':
      onClose.call(ws, a, b);
      return true;
    default:
      return false;
  }
}

function emitsToSink(ws: WebSocket): boolean {
  return (ws as unknown as Partial<SinkEmitter>)[EMITS_TO_SINK] === true;
}

/** The listeners `unlisten` removes; the error listener is added with them and stays. */
const DETACHABLE: ReadonlyArray<readonly [string, (...args: any[]) => void]> = [
  ['open', onOpen],
  ['message', onMessage],
  ['close', onClose],
];

export function listen(ws: WebSocket, sink: SocketSink): void {
  if (emitsToSink(ws)) {
    (ws as unknown as SinkEmitter)[SINK] = sink;
    return;
  }
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
  if (emitsToSink(ws)) {
    (ws as unknown as SinkEmitter)[SINK] = undefined;
    return;
  }
  if (isEmitter(ws)) {
    const e = ws as unknown as EmitterSocket;
    e[SINK] = undefined;
    for (const [event, listener] of DETACHABLE) e.off(event, listener);
    return;
  }
  ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
}
