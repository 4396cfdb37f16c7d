/**
 * `attach`: serve WebSocket upgrades on an HTTP(S) server. The upgrade request goes through admission
 * (origin, connection limits, `authenticate`) and subprotocol negotiation before `ws` completes it; the
 * upgraded socket is handed to the core as a WireSocket, and pinged every `heartbeatMs`.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { Server as TlsServer } from 'node:tls';
import { CloseCode, NEGOTIATION_TOKEN, closeReason, selectSubprotocol } from '@ackwire/core';
import { WebSocketServer, type PerMessageDeflateOptions } from 'ws';
import { isRefusal, type Refusal } from '../admission.js';
import type { Gateway } from '../gateway.js';
import { gatewayOf } from '../runtime.js';
import type { Handshake } from '../handshake.js';
import type { AckwireServer } from '../server.js';
import { destroySocket, handshakeFrom, offeredTokens, refuse } from './upgrade-request.js';
import { UpgradeWait } from './upgrade-wait.js';
import { AckwireWebSocket, WsWireSocket, type Home } from './ws-socket.js';
import { closeRefused } from './in-band-refusal.js';

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
  /** Tell a refused upgrade's reason in band to clients that offer the negotiation token (every Ackwire
   * client does): the upgrade completes selecting `ackwire` and closes at once with the close code of the
   * refusal (4401, 4403, 4404, 4420, 1013, ...), because a browser cannot read an HTTP status. Such a socket
   * carries no frame but the close. Default true; false answers every refusal with its HTTP status only
   * (docs/protocol.md §3.1, docs/security.md). */
  inBandRefusals?: boolean;
}

export interface Listener {
  /** The port listened on. */
  readonly port: number;
  /** `ws://host:port/path` (`wss://` on an HTTPS server). */
  readonly url: string;
  /** WebSocket connections open on this listener. */
  readonly connections: number;
  close(): Promise<void>;
}

const HEADER_SUBPROTOCOLS = 'X-Ackwire-Subprotocols';

/** Serve `server`'s WebSocket upgrades on `path` of an existing HTTP(S) server; `server.close()` stops it. */
export function attach(server: AckwireServer<any, any, any, any>, options: AttachOptions): Listener {
  const core = gatewayOf(server);
  return core.track(serveUpgrades(core, options));
}

/** `attach` without the tracking: the caller closes the listener (see listen.ts). */
export function serveUpgrades(core: Gateway, options: AttachOptions): Listener {
  const path = options.path ?? '/';
  const maxPayload = options.maxPayload ?? 1024 * 1024;
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: options.perMessageDeflate ?? false,
    maxPayload,
    // Ackwire tracks its sockets itself (Home.clients), without a close listener per socket.
    clientTracking: false,
    // Pings are answered by the connection, a slice at a time like every other frame.
    autoPong: false,
    WebSocket: AckwireWebSocket,
    // The token was chosen in onUpgrade; `ws` only needs to echo it.
    handleProtocols: (_protocols, req) => (req as IncomingMessage & { ackwireToken?: string }).ackwireToken ?? false,
  });
  const admission = core.admission;
  const home: Home = { release: (slot) => admission.release(slot), clients: new Set() };
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

  const inBand = options.inBandRefusals ?? true;
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const requested = q === -1 ? url : url.slice(0, q);
    const offered = offeredTokens(req);
    // Every refusal goes through here, and into the server's (rate-limited) log: in band when the client
    // offered the negotiation token (a browser cannot read a status), else as the HTTP status.
    const deny = (status: number, message: string, headers?: Record<string, string>, closeCode?: number): void => {
      const origin = req.headers.origin;
      core.refusals.upgrade(status, message, { remoteAddress: req.socket.remoteAddress, origin }, requested);
      if (!inBand || !offered.includes(NEGOTIATION_TOKEN) || socket.destroyed) return refuse(socket, status, message, headers);
      (req as IncomingMessage & { ackwireToken?: string }).ackwireToken = NEGOTIATION_TOKEN;
      wss.handleUpgrade(req, socket, head, (upgraded) => {
        const ws = upgraded as AckwireWebSocket;
        ws.ackwireHome = home;
        home.clients.add(ws);
        closeRefused(ws, closeCode === undefined ? { status, message } : { status, message, closeCode });
      });
    };
    if (requested !== path) {
      // Another endpoint on the same server (a second WebSocket server, say) may own this path.
      if (options.server.listenerCount('upgrade') > 1) return;
      return deny(404, 'Not Found');
    }
    // Draining: the client goes to another process at once (1012), or retries after Retry-After: 0.
    if (core.draining) return deny(503, 'The server is restarting', { 'Retry-After': '0' }, CloseCode.SERVICE_RESTART);
    const handshake = handshakeFrom(req);
    // First of all, before any credential is looked at: a foreign page learns nothing about its user.
    const badOrigin = admission.checkOrigin(handshake);
    if (badOrigin) return deny(badOrigin.status, badOrigin.message);
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
    let waiting: UpgradeWait | undefined;
    // Nothing thrown here may reach the HTTP server's emitter (or become an unhandled rejection).
    const upgrade = (admitted: Handshake | Refusal): void => {
      try {
        const early = waiting ? waiting.done(head) : head;
        if (isRefusal(admitted)) {
          // The slot comes back with the TCP socket's close, whichever way the refusal is told.
          holdSlot();
          return deny(admitted.status, admitted.message);
        }
        if (socket.destroyed) {
          // A held slot comes back with the socket's close event.
          if (!isHeld) admission.release(slot);
          return;
        }
        wss.handleUpgrade(req, socket, early, (upgraded) => {
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
      waiting = new UpgradeWait(socket);
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
    get connections() {
      return home.clients.size;
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

function bind(gateway: Gateway, ws: AckwireWebSocket, handshake: Handshake, maxPayload: number): void {
  try {
    ws.ackwireConn = gateway.accept(new WsWireSocket(ws, maxPayload), handshake);
  } catch (err) {
    gateway.logger.error('accepting a connection failed', { error: err });
    ws.close(CloseCode.INTERNAL_ERROR, 'internal error');
  }
}
