/** Client options and their defaults. Every default is documented in docs/client.md. */
import type { Subprotocol } from '@ackwire/core';
import type { NetworkSignals } from './network.js';

/** The WebSocket constructor to use: the browser's, or `ws` in Node. */
export type WebSocketLike = new (url: string, protocols?: string | string[]) => WebSocket;

export interface ReconnectOptions {
  /** First delay's upper bound, in ms. Default 250. */
  initialDelayMs: number;
  /** Upper bound of any delay, in ms. Default 10,000. */
  maxDelayMs: number;
  /** Attempts after a connection is lost before giving up. Default Infinity. */
  maxAttempts: number;
  /** Load refusals in a row after which the client stops (TOO_MANY_REQUESTS or UNAVAILABLE). Default 10. */
  maxRefusals: number;
  /** The delay before an attempt that skips the backoff (`online`, a tab made visible, `$reconnect()`):
   * uniform in [0, this], so that a page's clients do not all arrive at once. Default 250. */
  wakeJitterMs: number;
}

export interface HeartbeatOptions {
  /** Send a ping after this much silence from the server, in ms. Default 10,000. */
  idleMs: number;
  /** Declare the server dead after this much further silence, and reconnect. Default 5,000. A connection
   * that is not open (upgrade and welcome) within idleMs + timeoutMs is dropped and retried too. */
  timeoutMs: number;
}

/** `Params`: what the contract's params schema accepts (any value when it declares none). */
export interface ClientOptions<Params = unknown> {
  /** `ws://` or `wss://` URL of the server's endpoint. */
  url: string;
  /** Connection parameters sent in every hello (credentials browsers cannot put in headers), typed by the
   * contract's params schema. A function is called before each connection attempt, so it can return a
   * fresh token. */
  params?: Params | (() => Params | Promise<Params>);
  /** Subprotocol tokens offered, in order of preference. Default: superjson, then json. */
  subprotocols?: readonly Subprotocol[];
  /** WebSocket implementation. Default: `globalThis.WebSocket` (the Node entry defaults to `ws`). */
  WebSocket?: WebSocketLike;
  reconnect?: Partial<ReconnectOptions>;
  heartbeat?: Partial<HeartbeatOptions>;
  /** Calls waiting while disconnected. Beyond it a call fails with OUTBOX_FULL. Default 1,000. */
  maxOutbox?: number;
  /** Timeout applied to calls that give none, in ms. Default: none. */
  defaultTimeoutMs?: number;
  /** Validate results and events against the contract. Default true. */
  validate?: boolean;
  /** Network and visibility signals: the browser's by default (`online`, `visibilitychange`,
   * `navigator.onLine`); none in other runtimes. `false` turns them off. */
  network?: NetworkSignals | false;
  /** Connect at creation (default) or on the first call/subscribe. */
  lazy?: boolean;
  /** A session to resume on the first connection, as read from `client.$session` (e.g. kept in
   * sessionStorage across a page reload). If it has expired, the server starts a new one. */
  session?: { id: string; token: string };
}

export const DEFAULT_RECONNECT: Readonly<ReconnectOptions> = Object.freeze({
  initialDelayMs: 250,
  maxDelayMs: 10_000,
  maxAttempts: Infinity,
  maxRefusals: 10,
  wakeJitterMs: 250,
});
export const DEFAULT_HEARTBEAT: Readonly<HeartbeatOptions> = Object.freeze({ idleMs: 10_000, timeoutMs: 5_000 });
