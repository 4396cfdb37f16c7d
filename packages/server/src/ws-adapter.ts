/**
 * The `ws` binding: HTTP upgrade (admission, subprotocol negotiation), heartbeats, and a WireSocket for the
 * core.
 */
import { STATUS_CODES, createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { Server as TlsServer } from 'node:tls';
import { CloseCode, NEGOTIATION_TOKEN, closeReason, selectSubprotocol, TickCorker, type Corkable } from '@ackwire/core';
import { WebSocket, WebSocketServer, type PerMessageDeflateOptions } from 'ws';
import { isRefusal, type Refusal } from './admission.js';
import { handshakeFrom, type Handshake } from './handshake.js';
import type { AckwireServer } from './server.js';
import type { WireSocket } from './socket.js';

export interface AttachOptions {
  /** The HTTP or HTTPS server whose upgrades to take. */
  server: HttpServer | HttpsServer;
  /** URL path of the WebSocket endpoint. Default `/`. Upgrades to other paths are left to the server's other
   * `upgrade` listeners; when there are none, they get 404. */
  path?: string;
  /** Largest frame accepted, in bytes; larger ones close the connection with 1009. Default 1 MiB. */
  maxPayload?: number;
  /** Compression (permessage-deflate). Default false: it costs memory per connection and CPU per frame,
   * and compressed secrets next to attacker-chosen text leak through sizes (CRIME/BREACH). */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
}

export interface ListenOptions extends Omit<AttachOptions, 'server'> {
  /** Default 0 (any free port). */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
}

export interface Listener {
  /** The port listened on. */
  readonly port: number;
  /** `ws://host:port/path` (`wss://` on an HTTPS server). */
  readonly url: string;
  close(): Promise<void>;
}

const HEADER_SUBPROTOCOLS = 'X-Ackwire-Subprotocols';

function destroySocket(this: Duplex): void {
  this.destroy();
}

/** Answer an upgrade request with an HTTP error: the standard reason phrase, `message` as the body. */
function refuse(socket: Duplex, status: number, message: string, headers: Record<string, string> = {}): void {
  if (socket.destroyed) return;
  // The socket lives on while the answer is written; an error then (the peer is gone) only ends it.
  if (socket.listenerCount('error') === 0) socket.on('error', destroySocket);
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`, 'Connection: close', 'Content-Type: text/plain; charset=utf-8', `Content-Length: ${Buffer.byteLength(message)}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  socket.end(`${lines.join('\r\n')}\r\n\r\n${message}`);
}

/** The tokens of the Sec-WebSocket-Protocol header, trimmed, at most 16. */
function offeredTokens(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  const tokens: string[] = [];
  if (!header) return tokens;
  for (let start = 0; start <= header.length && tokens.length < 16; ) {
    let end = header.indexOf(',', start);
    if (end === -1) end = header.length;
    const token = header.slice(start, end).trim();
    if (token.length > 0) tokens.push(token);
    start = end + 1;
  }
  return tokens;
}

export function attach(core: AckwireServer<any, any, any>, options: AttachOptions): Listener {
  const path = options.path ?? '/';
  const maxPayload = options.maxPayload ?? 1024 * 1024;
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: options.perMessageDeflate ?? false,
    maxPayload,
    // Ackwire tracks its sockets itself (Home.clients), without a close listener per socket.
    clientTracking: false,
    WebSocket: AckwireWebSocket,
    // The token was chosen in onUpgrade; `ws` only needs to echo it.
    handleProtocols: (_protocols, req) => (req as IncomingMessage & { ackwireToken?: string }).ackwireToken ?? false,
  });
  const home: Home = { admission: core.admission, clients: new Set() };
  const admission = home.admission;
  // A connection slot is given back when its TCP socket closes. Once upgraded, the WebSocket holds it (a
  // field). Before that, a socket whose slot outlives the upgrade request's turn (`authenticate` is still
  // running, or the request was refused) holds it in this table, with one shared close listener; in the
  // usual case the upgrade completes in the same turn and the socket needs no listener of its own.
  const held = new Map<Duplex, string>();
  const releaseHeld = function (this: Duplex): void {
    const key = held.get(this);
    if (key === undefined) return;
    held.delete(this);
    admission.release(key);
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const requested = q === -1 ? url : url.slice(0, q);
    // Every HTTP refusal goes through here, and into the server's (rate-limited) log.
    const deny = (status: number, message: string, headers?: Record<string, string>): void => {
      const origin = req.headers.origin;
      core.refusals.upgrade(status, message, { remoteAddress: req.socket.remoteAddress, origin }, requested);
      refuse(socket, status, message, headers);
    };
    if (requested !== path) {
      // Another endpoint on the same server (a second WebSocket server, say) may own this path.
      if (options.server.listenerCount('upgrade') > 1) return;
      return deny(404, 'Not Found');
    }
    const handshake = handshakeFrom(req);
    const badOrigin = admission.checkOrigin(handshake);
    if (badOrigin) return deny(badOrigin.status, badOrigin.message);
    const offered = offeredTokens(req);
    const chosen = selectSubprotocol(offered, core.subprotocols);
    const negotiating = !chosen && offered.includes(NEGOTIATION_TOKEN);
    if (!chosen && !negotiating) {
      return deny(400, `No acceptable subprotocol. Server speaks: ${core.subprotocols.join(', ')}`, {
        [HEADER_SUBPROTOCOLS]: core.subprotocols.join(', '),
      });
    }
    (req as IncomingMessage & { ackwireToken?: string }).ackwireToken = chosen ?? NEGOTIATION_TOKEN;
    const slot = admission.reserve(handshake);
    if (isRefusal(slot)) return deny(slot.status, slot.message);
    // Who gives the slot back: this request (until it is held or taken), the held table, or the WebSocket.
    let isHeld = false;
    let taken = false;
    const holdSlot = (): void => {
      if (isHeld || taken) return;
      isHeld = true;
      held.set(socket, slot);
      socket.on('close', releaseHeld);
      socket.on('error', destroySocket);
    };
    // Nothing thrown here may reach the HTTP server's emitter (or become an unhandled rejection).
    const upgrade = (admitted: Handshake | Refusal): void => {
      try {
        if (isRefusal(admitted)) {
          holdSlot();
          return deny(admitted.status, admitted.message);
        }
        if (socket.destroyed) {
          // A held slot comes back with the socket's close event.
          if (!isHeld) admission.release(slot);
          return;
        }
        wss.handleUpgrade(req, socket, head, (upgraded) => {
          // The WebSocket takes over the slot, and `ws` has its own error listener on the socket now.
          taken = true;
          const ws = upgraded as AckwireWebSocket;
          if (isHeld) {
            held.delete(socket);
            socket.off('close', releaseHeld);
            socket.off('error', destroySocket);
          }
          ws.ackwireSlot = slot;
          ws.ackwireHome = home;
          home.clients.add(ws);
          if (!chosen) {
            const offeredVersioned = offered.filter((t) => t !== NEGOTIATION_TOKEN).join(' ') || 'none';
            ws.close(CloseCode.SUBPROTOCOL_MISMATCH, closeReason(`server speaks ${core.subprotocols.join(' ')}; client offered ${offeredVersioned}`));
            return;
          }
          bind(core, ws, admitted, maxPayload);
        });
        // Not taken: `ws` refused the handshake and is ending the socket, whose close gives the slot back.
        holdSlot();
      } catch (err) {
        core.logger.error('upgrading a connection failed', { error: err });
        holdSlot();
        socket.destroy();
      }
    };
    const admitted = admission.authenticate(handshake);
    if (admitted instanceof Promise) {
      holdSlot();
      void admitted.then(upgrade);
    } else upgrade(admitted);
  };
  options.server.on('upgrade', onUpgrade);

  let heartbeat: ReturnType<typeof setInterval> | undefined;
  const sweep = (): void => {
    for (const ws of home.clients) {
      if (ws.ackwireAlive === false) {
        ws.terminate();
        continue;
      }
      ws.ackwireAlive = false;
      ws.ping();
    }
  };
  if (core.heartbeatMs > 0) {
    // From setImmediate: after a stall (a long handler, a busy machine) timers run before pending input is
    // read, and a pong already waiting in the socket must count before its peer is judged dead.
    heartbeat = setInterval(() => setImmediate(sweep), core.heartbeatMs);
    heartbeat.unref?.();
  }

  // Read when asked: `attach` may be called before the server listens.
  const portOf = (): number => {
    const address = options.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  };
  return {
    get port() {
      return portOf();
    },
    get url() {
      return `${options.server instanceof TlsServer ? 'wss' : 'ws'}://127.0.0.1:${portOf()}${path}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (heartbeat) clearInterval(heartbeat);
        options.server.off('upgrade', onUpgrade);
        for (const ws of home.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}

/**
 * The WireSocket over a `ws` WebSocket. A class and shared listeners rather than closures: an idle server
 * holds one of these per connection, so every closure and captured scope counts.
 */
class WsWireSocket implements WireSocket {
  /** Frames written in one tick (a batch of results, one event to many topics) share one system call. */
  private readonly corker: TickCorker;

  constructor(
    readonly ws: AckwireWebSocket,
    readonly maxPayload: number,
  ) {
    this.corker = new TickCorker((ws as unknown as { _socket?: Corkable })._socket);
  }

  get protocol(): string {
    return this.ws.protocol;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  send(data: string | Uint8Array): void {
    this.corker.cork();
    this.ws.send(data, { binary: false });
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
    // A peer that does not complete the closing handshake is dropped.
    setTimeout(terminate, 5_000, this.ws).unref?.();
  }

  terminate(): void {
    this.ws.terminate();
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }
}

/** What the sockets of one `attach` share. */
interface Home {
  readonly admission: AckwireServer<any, any, any>['admission'];
  /** Upgraded sockets until they close: for heartbeats and for closing the listener. */
  readonly clients: Set<AckwireWebSocket>;
}

/**
 * The server's WebSocket. Ackwire's per-connection fields are declared, so they live in the object itself
 * rather than in a property store added to each socket; and its events (frames, pings, pongs, errors, the
 * close) are handled in `emit` itself, so a connection registers no listeners.
 */
class AckwireWebSocket extends WebSocket {
  /** Cleared by each heartbeat, set by any frame or pong. */
  ackwireAlive = true;
  ackwireConn: ReturnType<AckwireServer<any, any, any>['accept']> | undefined = undefined;
  /** The connection slot (see Admission) this socket holds until it closes. */
  ackwireSlot: string | undefined = undefined;
  ackwireHome: Home | undefined = undefined;

  // `ws` emits at most two arguments for the events of a server's socket.
  override emit(event: string | symbol, a?: unknown, b?: unknown): boolean {
    switch (event) {
      case 'message': {
        this.ackwireAlive = true;
        const data = a as Buffer | ArrayBuffer | Buffer[];
        this.ackwireConn?.message(b === true ? toBytes(data) : data.toString());
        return true;
      }
      case 'pong':
        this.ackwireAlive = true;
        return true;
      case 'ping': {
        // `ws` answers pings itself; they are frames too, under the same rate limit.
        const conn = this.ackwireConn;
        if (conn && !conn.withinRate()) conn.close(CloseCode.RATE_LIMITED, 'message rate limit exceeded');
        return true;
      }
      case 'error':
        this.terminate();
        return true;
      case 'close':
        this.ackwireClosed();
        return super.emit(event, a, b);
      default:
        return super.emit(event, a, b);
    }
  }

  private ackwireClosed(): void {
    this.ackwireConn?.closed();
    const home = this.ackwireHome;
    if (!home) return;
    home.clients.delete(this);
    const key = this.ackwireSlot;
    if (key === undefined) return;
    this.ackwireSlot = undefined;
    home.admission.release(key);
  }
}

function terminate(ws: WebSocket): void {
  ws.terminate();
}

function bind(core: AckwireServer<any, any, any>, ws: AckwireWebSocket, handshake: Handshake, maxPayload: number): void {
  try {
    ws.ackwireConn = core.accept(new WsWireSocket(ws, maxPayload), handshake);
  } catch (err) {
    core.logger.error('accepting a connection failed', { error: err });
    ws.close(CloseCode.INTERNAL_ERROR, 'internal error');
  }
}

function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

export async function listen(core: AckwireServer<any, any, any>, options: ListenOptions): Promise<Listener> {
  const http = createHttpServer((_req, res) => {
    res.writeHead(426, { 'Content-Type': 'text/plain' });
    res.end('Upgrade Required');
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const inner = attach(core, { ...options, server: http });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const host = options.host ?? '127.0.0.1';
  return {
    port,
    url: `ws://${host.includes(':') ? `[${host}]` : host}:${port}${options.path ?? '/'}`,
    close: async () => {
      await inner.close();
      http.closeAllConnections?.();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
