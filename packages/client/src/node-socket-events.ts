/**
 * The Node entry's socket binding. With a `ws` WebSocket (the Node entry's own, node-socket.ts, or one
 * passed in the options), events reach the connection through `ws`'s EventEmitter API and five shared
 * functions: no event object per frame and no closures per socket. With any other implementation, through
 * the standard `on*` properties (socket-events.ts).
 *
 * `ws` also tells why an attempt failed, which a browser cannot: the HTTP response of a refused upgrade
 * (`unexpected-response`) and the system error code of a failed connect (`ECONNREFUSED`).
 */
import { TickCorker, socketOf } from '@ackwire/core/internal';
import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { parseRetryAfter, REASON_LENGTH, refused, type HandshakeRefusal } from './http-refusal.js';
import type { SocketFailure } from './refusal.js';
import { browserSockets, type SocketBinding, type SocketSink } from './socket-events.js';

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

function onError(this: Sinked, err: ErrorLike | undefined): void {
  this[SINK]?.socketError(this as unknown as WebSocket, socketFailure(err));
}

interface ErrorLike {
  message?: string;
  code?: string;
  /** Node's AggregateError when every address of a host refused (`localhost`: ::1 and 127.0.0.1). */
  errors?: ErrorLike[];
}

function socketFailure(err: ErrorLike | undefined): SocketFailure {
  const first = err?.errors?.[0];
  const code = typeof err?.code === 'string' ? err.code : typeof first?.code === 'string' ? first.code : undefined;
  const message = err?.message || err?.errors?.map((e) => e.message).join('; ') || '';
  return { code, message };
}

/** The parts of Node's ClientRequest and IncomingMessage that `ws` hands to `unexpected-response`. */
interface RefusedRequest {
  destroy(): void;
}
interface RefusalResponse {
  readonly statusCode?: number;
  readonly headers: Record<string, string | string[] | undefined>;
  setEncoding(encoding: 'utf8'): void;
  on(event: string, listener: (...args: any[]) => void): unknown;
  destroy(): void;
}

/** How long the body of a refusal may take to arrive before the attempt is ended without it. */
const REFUSAL_BODY_MS = 1_000;

/**
 * `ws`'s `unexpected-response`: read the status, headers and (the start of) the body, tell the sink, then
 * end the attempt, which `ws` reports as an error and a close (1006). With a listener for this event `ws`
 * leaves the request to it.
 */
function onUnexpectedResponse(this: Sinked & { terminate(): void }, _req: RefusedRequest, res: RefusalResponse): void {
  const ws = this;
  let body = '';
  let done = false;
  const header = (name: string): string | undefined => {
    const value = res.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  const finish = (): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    res.destroy();
    ws[SINK]?.socketRefused(ws as unknown as WebSocket, {
      status: res.statusCode ?? 0,
      body: body.trim().slice(0, REASON_LENGTH),
      retryAfterMs: parseRetryAfter(header('retry-after')),
      serverSubprotocols: header('x-ackwire-subprotocols'),
    });
    ws.terminate();
  };
  const timer = setTimeout(finish, REFUSAL_BODY_MS);
  (timer as { unref?: () => void }).unref?.();
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    body += chunk;
    if (body.length >= REASON_LENGTH) finish();
  });
  res.on('end', finish);
  res.on('error', finish);
  res.on('close', finish);
}

function onClose(this: Sinked, code: number, reason: { toString(): string } | undefined): void {
  this[SINK]?.socketClosed(this as unknown as WebSocket, code, reason ? reason.toString() : '');
}

/** The listeners `unlisten` removes; the error and unexpected-response listeners are added with them and
 * stay (an error emitted with no listener would be thrown; a refusal must still end the attempt). */
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
    e.on('unexpected-response', onUnexpectedResponse);
    return;
  }
  browserSockets.listen(ws, sink);
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
  browserSockets.unlisten(ws);
}

const HELD = Symbol('ackwire.held');
const TCP = Symbol('ackwire.tcp');

/** Sockets of the Node entry's own WebSocket (node-socket.ts), whose TCP socket is known. */
interface Holdable {
  /** Whether it keeps the process alive; set before the TCP socket exists, applied once it does. */
  [HELD]?: boolean;
  [TCP]?: Socket;
}

/** `ws`'s `finishRequest` for the Node entry's sockets: note the handshake's TCP socket, then send it. */
export function finishRequest(req: ClientRequest, ws: unknown): void {
  const own = ws as Holdable;
  own[HELD] = own[HELD] ?? true;
  req.once('socket', (socket: Socket) => {
    own[TCP] = socket;
    if (own[HELD] === false) socket.unref();
  });
  req.end();
}

/** Whether this socket keeps the Node process alive. Only the Node entry's own sockets can say. */
function holdProcess(ws: WebSocket, held: boolean): void {
  const own = ws as unknown as Holdable;
  if (!(HELD in own)) return;
  own[HELD] = held;
  const socket = own[TCP];
  if (socket) held ? socket.ref() : socket.unref();
}

/** The Node entry's binding: `ws`'s events, refusals included. */
export const nodeSockets: SocketBinding = {
  listen,
  unlisten,
  refused,
  hold: holdProcess,
  corker: (ws) => new TickCorker(socketOf(ws)),
};
