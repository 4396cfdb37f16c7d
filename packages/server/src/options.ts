/** Server options and their defaults. Every default is documented in docs/server.md and docs/security.md. */
import type { Subprotocol } from '@ackwire/core';
import type { Broker } from './broker.js';
import type { Handshake } from './handshake.js';
import type { OriginPolicy } from './origin.js';
import type { SessionStore } from './session-store.js';

export interface ConnectionInfo<Params, Auth = unknown> extends Handshake {
  /** Connection parameters from the client's hello, parsed by the contract's params schema. */
  readonly params: Params;
  /** What `authenticate` returned for the upgrade request (undefined without that option). */
  readonly auth: Auth;
}

export interface Logger {
  error(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
}

export interface ServerLimits {
  /** Calls without an outcome per session. Beyond it a call gets TOO_MANY_REQUESTS. Default 256. */
  maxInFlight: number;
  /** Outcomes a session keeps for retries until the client confirms them. Default 1,024. */
  maxRetainedCalls: number;
  /** Sessions waiting to be resumed (their connection gone) per client address (IPv6: per /64), and in
   * all, in this process. Past either, the one detached longest ago is ended early: its client resumes into
   * a new session (`resumed: false`; calls in flight fail with RESULT_UNKNOWN unless idempotent).
   * Defaults 256 and 10,000. */
  maxDetachedSessionsPerAddress: number;
  maxDetachedSessions: number;
  /** Send buffer of one connection, in bytes; past it the client is closed with 4509. Default 8 MiB. */
  maxBufferedBytes: number;
  /** Frames accepted before the hello is answered; more close with 4400. Default 64. */
  maxEarlyFrames: number;
  /** Characters (about bytes) of those frames the server holds; past it, it stops reading from the
   * connection until the welcome (a transport that cannot pause is closed with 4400). Default 1 MiB. */
  maxEarlyBytes: number;
  /** Active subscriptions per connection. Beyond it a subscribe gets TOO_MANY_REQUESTS. Default 256. */
  maxSubscriptions: number;
  /** Events one subscribe may replay; a resume point further back is answered with the newest this many
   * and a `'retention'` gap. Replays are paced (64 events per turn of the event loop, one subscription of a
   * connection at a time). Default 10,000 (the in-memory broker's retention). */
  maxReplayEvents: number;
  /** Replayed events per second per connection, all its subscriptions together (a resuming client's backlog
   * is not slowed by it much; one that resubscribes from the start in a loop is). Default 20,000. */
  replayEventsPerSecond: number;
  /** Open connections per server (all listeners). Beyond it an upgrade gets HTTP 503. Default 10,000. */
  maxConnections: number;
  /** Open connections per client address (IPv6: per /64). Beyond it an upgrade gets HTTP 429. Default 1,000: a
   * tenth of `maxConnections`, so one address cannot take the server, while an office behind one NAT or a load
   * test from one machine is not refused (docs/security.md §7 says why). */
  maxConnectionsPerAddress: number;
  /** Sustained frames per second per connection (ping and pong frames included). Over it the server stops
   * reading from the connection until the rate allows (backpressure). Default 20,000. */
  messagesPerSecond: number;
  /** Frames a connection may send at once before the rate applies. A connection that overdraws the bucket
   * by another burst (it kept sending while paused) is closed with 4420. Default 20,000.
   * `messagesPerSecond: Infinity` turns the rate limit off. */
  messageBurst: number;
  /** Nesting depth of a frame's JSON (the frame's array counts as 1). A deeper call or subscribe gets
   * PAYLOAD_TOO_LARGE, any other deeper frame closes with 4400. Checked before parsing. Default 64. */
  maxDepth: number;
  /** Digits of a BigInt in superjson payloads (parsing one is quadratic). Default 4,096. */
  maxBigIntDigits: number;
  /** Superjson annotations (Dates, Sets, BigInts, ...) in one payload. Default 10,000. */
  maxAnnotations: number;
}

export interface ServerOptions<Ctx, Params, Auth = undefined> {
  /**
   * Runs on the HTTP upgrade request, before any WebSocket exists, with its headers, cookies and remote
   * address. Throw an AckwireError to refuse: BAD_REQUEST → 400, UNAUTHORIZED → 401, FORBIDDEN → 403, TOO_MANY_REQUESTS → 429,
   * UNAVAILABLE → 503 (anything else → 500, logged). What it returns reaches `context` as `auth`. It must
   * settle within `helloTimeoutMs` or the upgrade gets 503.
   */
  authenticate?: (handshake: Handshake) => Auth | Promise<Auth>;
  /** Build the handlers' context from the handshake and the hello's params. Throw an AckwireError
   * (UNAUTHORIZED → close 4401, FORBIDDEN → 4403) to refuse the connection. Runs again on every resume and
   * on every `$authenticate` of the client. */
  context?: (info: ConnectionInfo<Params, Auth>) => Ctx | Promise<Ctx>;
  /**
   * When the context's credentials stop being valid (ms since the epoch or a Date; null/undefined for
   * never). Once it passes, the connection is closed with 4401 (checked on every frame and by a timer);
   * a hello whose context has already expired is refused with 4401. Throwing counts as expired.
   */
  expiresAt?: (ctx: Ctx) => number | Date | null | undefined;
  /**
   * Which browser origins may connect. Default `'same-origin'`: the Origin's host must equal the Host
   * header. A list allows exactly those origins (`https://app.example.com`, compared after URL
   * normalisation; no wildcards); a function decides; `'*'` allows any. Refused upgrades get HTTP 403.
   */
  origins?: OriginPolicy;
  /** Whether an upgrade without an Origin header (a non-browser client) is allowed. Default true. */
  allowMissingOrigin?: boolean;
  /**
   * The client address connections are counted under for `maxConnectionsPerAddress`. Default: the socket's
   * remote address. Behind a reverse proxy every client has the proxy's address: return the address the
   * proxy reports (the last X-Forwarded-For entry your own proxy appended; never trust the first).
   */
  clientAddress?: (handshake: Handshake) => string;
  /** Where events are published, retained and replayed. Default: a MemoryBroker. */
  broker?: Broker;
  /** Subprotocol tokens accepted, in the server's order of preference. Default: superjson, then json. */
  subprotocols?: readonly Subprotocol[];
  /** Where sessions, resume tokens and stored call outcomes live (session-store.ts). Default: a
   * MemorySessionStore with `sessionRetentionMs` and `limits.maxRetainedCalls`. A store passed in is not
   * closed by `server.close()`. */
  sessionStore?: SessionStore;
  /** How long a session outlives its connection, in ms. Default 120,000. */
  sessionRetentionMs?: number;
  /** Time allowed between the upgrade and the hello, in ms. Default 10,000; close 4408. */
  helloTimeoutMs?: number;
  /** How long `server.close()` lets running calls finish before it aborts their `signal`, in ms (the drain:
   * docs/server.md, "Shutting down"). Default 10,000. */
  drainTimeoutMs?: number;
  /** Interval of the server's pings, in ms; a peer that has not answered one by the next is dropped.
   * Default 30,000; 0 turns them off. */
  heartbeatMs?: number;
  limits?: Partial<ServerLimits>;
  /** Where handler failures and protocol faults (`error`) and refusals (`warn`, rate-limited) are reported.
   * Default: console. */
  logger?: Logger;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxInFlight: 256,
  maxRetainedCalls: 1024,
  maxDetachedSessionsPerAddress: 256,
  maxDetachedSessions: 10_000,
  maxBufferedBytes: 8 * 1024 * 1024,
  maxEarlyFrames: 64,
  maxEarlyBytes: 1024 * 1024,
  maxSubscriptions: 256,
  maxReplayEvents: 10_000,
  replayEventsPerSecond: 20_000,
  maxConnections: 10_000,
  maxConnectionsPerAddress: 1_000,
  messagesPerSecond: 20_000,
  messageBurst: 20_000,
  maxDepth: 64,
  maxBigIntDigits: 4_096,
  maxAnnotations: 10_000,
};

export const consoleLogger: Logger = {
  error: (message, details) => console.error(`[ackwire] ${message}`, details ?? ''),
  warn: (message, details) => console.warn(`[ackwire] ${message}`, details ?? ''),
};
