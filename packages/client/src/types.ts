/** The typed client's public types, derived from the contract. */
import type { CloseKind } from './close-kinds.js';
import type {
  AckwireError,
  Contract,
  ContractTree,
  ParamsOf,
  TreeOf,
  EventOf,
  GapReason,
  InputOf,
  OutputOf,
  ProcedureDef,
  SubscriptionDef,
} from '@ackwire/core';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Everything a UI shows about the connection; a new object whenever any of it changes. */
export interface ConnectionInfo {
  readonly state: ConnectionState;
  /** The last close of a connection, kept after a new one opens; undefined before the first. */
  readonly lastClose: CloseInfo | undefined;
  /** When the next attempt starts (ms since the epoch), while one waits out its backoff. */
  readonly retryAt: number | undefined;
  /** The next attempt waits for the browser to be online again (`navigator.onLine` is false). */
  readonly waitingForNetwork: boolean;
  /** Attempts since the last open connection. */
  readonly attempt: number;
  /** Why the client stopped for good (state `closed`). */
  readonly error: AckwireError | undefined;
}

export interface CallOptions {
  /** Deadline for the call, in ms; carried to the server, which aborts the handler's signal. */
  timeoutMs?: number;
  /** Cancels the call; the server aborts the handler's signal. */
  signal?: AbortSignal;
  /** Called once, when the server has accepted the call. */
  onReceived?: () => void;
}

/** A call's result, with its receipt. */
export interface CallPromise<T> extends Promise<T> {
  /** The call id (stable across reconnects). */
  readonly id: number;
  /** Resolves when the server has accepted the call, before the handler finishes; rejects if it never does. */
  readonly received: Promise<void>;
}

export interface EventInfo {
  readonly offset: number;
  readonly epoch: string;
}

export interface StartInfo {
  /** False when events were lost since the last delivered one (see `reason`). Always true on a first start. */
  readonly recovered: boolean;
  readonly reason: GapReason | undefined;
  readonly epoch: string;
  /** Events after this offset follow. */
  readonly offset: number;
  /** Whether this start resumed an earlier delivery (after a reconnect). */
  readonly resumed: boolean;
}

export interface SubscribeHandlers<E> {
  onData: (event: E, info: EventInfo) => void;
  /** The server refused or ended the subscription with an error, or an event failed validation. */
  onError?: (error: AckwireError) => void;
  /** The subscription is (re-)established; `recovered: false` signals a gap. */
  onStarted?: (info: StartInfo) => void;
  /** The subscription ended for good: the client stopped (closed, or a fatal close). */
  onComplete?: () => void;
}

/** Stops the subscription when called. */
export interface Subscription {
  (): void;
  unsubscribe(): void;
  /** Last offset delivered to `onData`, 0 before the first. */
  readonly offset: number;
}

export type ProcedureCaller<D extends ProcedureDef> = undefined extends InputOf<D>
  ? (input?: InputOf<D>, options?: CallOptions) => CallPromise<OutputOf<D>>
  : (input: InputOf<D>, options?: CallOptions) => CallPromise<OutputOf<D>>;

export interface SubscriptionCaller<D extends SubscriptionDef> {
  subscribe(input: InputOf<D>, handlers: SubscribeHandlers<EventOf<D>>): Subscription;
}

export type ClientTree<T extends ContractTree> = {
  readonly [K in keyof T & string]: T[K] extends ProcedureDef
    ? ProcedureCaller<T[K]>
    : T[K] extends SubscriptionDef
      ? SubscriptionCaller<T[K]>
      : T[K] extends ContractTree
        ? ClientTree<T[K]>
        : never;
};

/** A connection, or an attempt at one, ended. */
export interface CloseInfo {
  /** The close code; 1006 when there was no close frame (the attempt failed or was refused). */
  readonly code: number;
  /** The close frame's reason, or what went wrong: `connect ECONNREFUSED 127.0.0.1:3000`,
   * `Handshake refused with HTTP 429 (Too Many Requests): Too many connections from this address`. */
  readonly reason: string;
  /** Whether the client reconnects. */
  readonly willRetry: boolean;
  /** When it does: the wait before the next attempt, in ms. */
  readonly retryInMs: number | undefined;
  /** The HTTP status of a refused upgrade (Node only: browsers do not expose it). */
  readonly status: number | undefined;
  /** The socket's error code, such as `ECONNREFUSED` or `ENOTFOUND` (Node only). */
  readonly socketError: string | undefined;
  /** What it means, for an application to act on and describe (never show users the raw code). */
  readonly kind: CloseKind;
}

export interface ClientEvents {
  state: (state: ConnectionState) => void;
  /** A connection, or an attempt at one, ended; `willRetry` tells whether the client reconnects. */
  close: (info: CloseInfo) => void;
  /** `$connection` changed: the state, the last close, or the next attempt. */
  connection: (info: ConnectionInfo) => void;
  /** The session was resumed (true) or a new one started (false). */
  session: (info: { sessionId: string; resumed: boolean }) => void;
  /** The client stopped for good because of this error. */
  error: (error: AckwireError) => void;
}

/** A call made before a reload (or a crash, or a restart), recovered from the client's storage. */
export interface RecoveredCall {
  /** Its original id: the server runs it at most once, whichever page sends it. */
  readonly id: number;
  /** The procedure's dotted path (`chat.send`). */
  readonly path: string;
  readonly input: unknown;
  /** When the application made it (ms since the epoch). */
  readonly createdAt: number;
  /** Whether it may have been sent before the reload (false: it certainly was not). */
  readonly wasSent: boolean;
  /** Its outcome, as for any call: resolved with the result, rejected with the error. */
  readonly result: CallPromise<unknown>;
}

export interface ClientControls<Params = unknown> {
  readonly $state: ConnectionState;
  /** The state, the last close and the next attempt, in one immutable object (`$on('connection')`). */
  readonly $connection: ConnectionInfo;
  /** Calls made before a reload that a client restored from storage runs again (`restoreClient`); empty
   * for a client made by `createClient`. Each has its outcome in `result`. */
  readonly $recovered: readonly RecoveredCall[];
  readonly $sessionId: string | undefined;
  /** Session id and resume token; pass it as `options.session` to a new client to resume (keep it secret). */
  readonly $session: { readonly id: string; readonly token: string } | undefined;
  $on<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): () => void;
  /** Resolves when the connection is open (at once if it is). */
  $ready(): Promise<void>;
  /**
   * Send new connection params (refreshed credentials) without reconnecting. The server checks them and
   * rebuilds the context for the calls that follow. Resolves once it accepted them; rejects with its error
   * (UNAUTHORIZED, FORBIDDEN, BAD_REQUEST), in which case the connection keeps its current credentials.
   * Later hellos send these params (a function is called before each, as for `options.params`).
   */
  $authenticate(params: Params | (() => Params | Promise<Params>)): Promise<void>;
  /**
   * Try to connect now (after up to `reconnect.wakeJitterMs`) instead of waiting out the backoff, for a
   * "retry now" button. True if an attempt was brought forward; false when open, connecting or closed for
   * good, or while the browser is offline (the attempt then starts when it is back).
   */
  $reconnect(): boolean;
  /** Close for good: pending calls fail with CONNECTION_CLOSED. */
  $close(): void;
}

/** A client of the tree `T`; `Params`: what its connection params may be. */
export type Client<T extends ContractTree, Params = unknown> = ClientTree<T> & ClientControls<Params>;

/** The type of `createClient(api, options)`, for code that names it: `let client: ClientOf<typeof api>`. */
export type ClientOf<C extends Contract> = Client<TreeOf<C>, ParamsOf<C>>;
