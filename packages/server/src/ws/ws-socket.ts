/**
 * Everything the server does with `ws` beyond its public API, in one file, pinned by
 * packages/server/test/ws-socket.test.ts (which fails when a `ws` release changes what is relied on here):
 *
 * - `AckwireWebSocket` subclasses `ws`'s WebSocket and handles its events in `emit` itself, so that a
 *   connection registers no listeners and holds its fields in the object (the connection-setup and idle
 *   memory figures of docs/benchmarks.md, workload D).
 * - `WsWireSocket` corks the net.Socket under the WebSocket (core's `socketOf`) so that the frames written in
 *   one tick leave in one system call (A and B), and while its input is paused it holds the rest of what
 *   `ws` has already read (core's `holdReceiver`). Both read private fields of `ws`, in core's
 *   ws-private.ts, the one file that does.
 */
import { CloseCode } from '@ackwire/core';
import { TickCorker, holdReceiver, socketOf } from '@ackwire/core/internal';
import { WebSocket } from 'ws';
import type { Connection } from '../connection.js';
import type { WireSocket } from '../socket.js';

/** How long a peer has to answer our close frame. */
const CLOSE_DEADLINE_MS = 5_000;

/** What the sockets of one `attach` share. */
export interface Home {
  /** Gives a connection slot back when its socket closes. */
  readonly release: (slot: string) => void;
  /** Upgraded sockets until they close: for heartbeats and for closing the listener. */
  readonly clients: Set<AckwireWebSocket>;
}

/**
 * The WireSocket over a `ws` WebSocket. A class and shared listeners rather than closures: an idle server
 * holds one of these per connection, so every closure and captured scope counts.
 */
export class WsWireSocket implements WireSocket {
  /** Frames written in one tick (a batch of results, one event to many topics) share one system call. */
  private readonly corker: TickCorker;

  constructor(
    readonly ws: AckwireWebSocket,
    readonly maxPayload: number,
  ) {
    this.corker = new TickCorker(socketOf(ws));
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
    setTimeout(terminate, CLOSE_DEADLINE_MS, this.ws).unref?.();
  }

  terminate(): void {
    this.ws.terminate();
  }

  pause(): void {
    this.ws.pause();
    holdReceiver(this.ws, true);
  }

  resume(): void {
    holdReceiver(this.ws, false);
    this.ws.resume();
  }
}

/**
 * The server's WebSocket. Ackwire's per-connection fields are declared, so they live in the object itself
 * rather than in a property store added to each socket; and its events (frames, pings, pongs, errors, the
 * close) are handled in `emit` itself, so a connection registers no listeners.
 */
export class AckwireWebSocket extends WebSocket {
  /** Cleared by each heartbeat, set by any frame or pong. */
  ackwireAlive = true;
  ackwireConn: Connection | undefined = undefined;
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
        // Pings are frames too: under the same rate limit, and answered in their turn (autoPong is off).
        const conn = this.ackwireConn;
        const data = a as Buffer;
        if (conn) conn.ping(() => this.pong(data));
        else this.pong(data);
        return true;
      }
      case 'error':
        // A frame `ws` refused (too large, say): it has sent its close frame and reads on, so the client gets
        // the close code rather than a reset; give it a deadline to answer. Any other error ends the socket.
        if (this.readyState === WebSocket.CLOSING) setTimeout(terminate, CLOSE_DEADLINE_MS, this).unref?.();
        else this.terminate();
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
    home.release(key);
  }
}

function terminate(ws: WebSocket): void {
  ws.terminate();
}

function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
