/**
 * The server core: the contract's handlers, sessions, topics and the broker, independent of any socket
 * library. `accept()` takes any WireSocket; ws-adapter.ts binds it to `ws`.
 */
import {
  AckwireError,
  CloseCode,
  DEFAULT_SUBPROTOCOLS,
  canonicalJson,
  codecForSubprotocol,
  indexOf,
  safeParseFast,
  type Codec,
  type Contract,
  type ContractTree,
  type ProcedureDef,
  type PublishedEventOf,
  type Subprotocol,
  type SubscriptionDef,
} from '@ackwire/core';
import type { z } from 'zod';
import { Admission } from './admission.js';
import type { Broker, TopicHead } from './broker.js';
import { ServerConnection } from './connection.js';
import { GuardRunner, type Guards } from './guards.js';
import type { Handlers, TopicKey } from './handlers.js';
import type { Handshake } from './handshake.js';
import { MemoryBroker } from './memory-broker.js';
import { DEFAULT_LIMITS, consoleLogger, type Logger, type ServerLimits, type ServerOptions } from './options.js';
import { guardedCodec } from './payload-meta.js';
import { RefusalLog } from './refusal-log.js';
import { SessionOwners, type RevokeInfo } from './revocation.js';
import { SessionStore } from './session.js';
import type { WireSocket } from './socket.js';
import { HelloDeadlines } from './hello-deadlines.js';
import { TopicHub } from './topic-hub.js';
import { listen, type ListenOptions, type Listener, attach, type AttachOptions } from './ws-adapter.js';

type AnyFn = (...args: any[]) => any;

export interface ServerConfig<T extends ContractTree, Ctx, Params, Auth = undefined> extends ServerOptions<Ctx, Params, Auth> {
  /** One handler per procedure and subscription of the contract. */
  handlers: Handlers<T, Ctx>;
  /** Authorization per path, namespace (`'admin'`) or for all (`'*'`); see guards.ts. Default: none. */
  guards?: Guards<T, Ctx>;
}

export class AckwireServer<T extends ContractTree, Ctx, Params, Auth = any> {
  readonly fingerprint: string;
  readonly procedures = new Map<string, { def: ProcedureDef; handler: AnyFn }>();
  readonly subscriptions = new Map<string, { def: SubscriptionDef; handler: AnyFn }>();
  readonly sessions: SessionStore<ServerConnection>;
  readonly hub: TopicHub;
  readonly broker: Broker;
  /** The default broker is the server's to close; one passed in belongs to the application. */
  private readonly ownsBroker: boolean;
  readonly logger: Logger;
  readonly limits: ServerLimits;
  readonly helloTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly guards: GuardRunner;
  /** @internal Origin, connection limits and `authenticate`, before the upgrade. */
  readonly admission: Admission;
  /** @internal Every connection's hello deadline, on one timer. */
  readonly helloDeadlines: HelloDeadlines;
  /** @internal One rate-limited warning per refused upgrade or connection closed for its peer's fault. */
  readonly refusals: RefusalLog;
  private readonly owners: SessionOwners;
  private readonly expiresAtFn: ServerOptions<Ctx, Params, Auth>['expiresAt'];
  readonly paramsSchema: z.ZodType<Params> | undefined;
  readonly subprotocols: readonly Subprotocol[];
  readonly connections = new Set<ServerConnection>();
  /** One checked codec per codec, shared by all connections. */
  private readonly guardedCodecs = new Map<Codec, Codec>();
  private readonly contextFn: ServerOptions<Ctx, Params, Auth>['context'];
  private readonly listeners = new Set<Listener>();

  constructor(
    readonly contract: Contract<T>,
    config: ServerConfig<T, Ctx, Params, Auth>,
  ) {
    const index = indexOf(contract);
    this.fingerprint = index.fingerprint;
    for (const [path, def] of index.byPath) {
      let node: unknown = config.handlers;
      for (const part of path.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
      if (typeof node !== 'function') throw new TypeError(`Ackwire server: no handler for "${path}"`);
      if (def.kind === 'procedure') this.procedures.set(path, { def, handler: node as AnyFn });
      else this.subscriptions.set(path, { def, handler: node as AnyFn });
    }
    this.broker = config.broker ?? new MemoryBroker();
    this.ownsBroker = config.broker === undefined;
    this.hub = new TopicHub(this.broker);
    this.logger = config.logger ?? consoleLogger;
    this.refusals = new RefusalLog(this.logger);
    this.limits = { ...DEFAULT_LIMITS, ...config.limits };
    this.helloTimeoutMs = config.helloTimeoutMs ?? 10_000;
    this.heartbeatMs = config.heartbeatMs ?? 30_000;
    this.paramsSchema = config.params;
    this.subprotocols = config.subprotocols ?? DEFAULT_SUBPROTOCOLS;
    this.contextFn = config.context;
    this.sessions = new SessionStore({
      retentionMs: config.sessionRetentionMs ?? 120_000,
      maxRetainedCalls: this.limits.maxRetainedCalls,
    });
    this.guards = new GuardRunner(index.byPath.keys(), config.guards as Record<string, never> | undefined);
    this.admission = new Admission(config, this.limits, this.helloTimeoutMs, this.logger);
    this.helloDeadlines = new HelloDeadlines(this.helloTimeoutMs);
    this.owners = new SessionOwners(this.sessions);
    this.expiresAtFn = config.expiresAt;
  }

  get maxSubscriptions(): number {
    return this.limits.maxSubscriptions;
  }

  /** Start speaking ackwire.v1 on a socket whose subprotocol was negotiated. */
  accept(socket: WireSocket, handshake: Handshake): ServerConnection {
    const codec = codecForSubprotocol(socket.protocol);
    if (!codec || !(this.subprotocols as readonly string[]).includes(socket.protocol)) {
      throw new TypeError(`Ackwire server: subprotocol "${socket.protocol}" is not accepted`);
    }
    let guarded = this.guardedCodecs.get(codec);
    if (!guarded) this.guardedCodecs.set(codec, (guarded = guardedCodec(codec, this.limits)));
    const conn = new ServerConnection(this, socket, handshake, guarded);
    this.connections.add(conn);
    return conn;
  }

  /** @internal */
  forget(conn: ServerConnection): void {
    this.connections.delete(conn);
  }

  /** @internal */
  buildContext(h: Handshake, params: Params): Ctx | Promise<Ctx> {
    if (!this.contextFn) return undefined as Ctx;
    // One object with a fixed shape rather than spreads: this runs for every connection.
    return this.contextFn({ url: h.url, headers: h.headers, cookies: h.cookies, remoteAddress: h.remoteAddress, origin: h.origin, auth: h.auth as Auth, params });
  }

  /** @internal When a context's credentials expire, from `expiresAt`; -Infinity (expired) if it throws. */
  expiryOf(ctx: Ctx): number | Date | null | undefined {
    if (!this.expiresAtFn) return undefined;
    try {
      return this.expiresAtFn(ctx);
    } catch (err) {
      this.logger.error('expiresAt threw; treating the credentials as expired', { error: err });
      return -Infinity;
    }
  }

  /** @internal A session's credentials, for `revoke`. */
  noteOwner(session: NonNullable<ServerConnection['session']>, ctx: Ctx): void {
    this.owners.note(session, ctx);
  }

  /**
   * Close every connection and end every session (resumable ones included) whose context matches, with
   * close code 4401 (fatal: the client stops and does not reconnect) and `reason`. Running calls are
   * aborted and the sessions cannot be resumed. Returns the number of sessions ended. To keep the user out,
   * make `authenticate`/`context` refuse their credentials too.
   */
  revoke(predicate: (ctx: Ctx, info: RevokeInfo) => boolean, reason = 'credentials revoked'): number {
    return this.owners.revoke(predicate as (ctx: unknown, info: RevokeInfo) => boolean, reason);
  }

  /** @internal The broker topic of a subscription's key. */
  topicName(def: SubscriptionDef, key: TopicKey): string {
    return `${def.path} ${canonicalJson(key)}`;
  }

  /**
   * Publish an event to the subscribers whose handler mapped their input to `key`. The event is validated
   * against the subscription's schema once (a bad event throws BAD_REQUEST here, not at the subscribers)
   * and encoded once per codec in use.
   */
  async publish<D extends SubscriptionDef>(def: D, key: TopicKey, event: PublishedEventOf<D>): Promise<TopicHead> {
    const registered = this.subscriptions.get(def.path);
    if (!registered || registered.def !== def) throw new TypeError('Ackwire server: publish needs a subscription of this contract');
    const parsed = safeParseFast(registered.def.event, event);
    if (!parsed.success) throw new AckwireError('BAD_REQUEST', `Invalid event for "${def.path}"`, { data: { issues: parsed.error.issues } });
    return this.broker.publish(this.topicName(def, key), parsed.data);
  }

  /** Serve on a new HTTP server (`port`, `host`, `path`). */
  listen(options: ListenOptions = {}): Promise<Listener> {
    return listen(this, options).then((l) => this.track(l));
  }

  /** Serve WebSocket upgrades on `path` of an existing HTTP(S) server. */
  attach(options: AttachOptions): Listener {
    return this.track(attach(this, options));
  }

  private track(listener: Listener): Listener {
    this.listeners.add(listener);
    return listener;
  }

  /** Close every connection with 1001, end all sessions, stop listening, and close the broker if the server
   * made it (a broker passed in the options stays open: it may serve other servers). */
  async close(): Promise<void> {
    for (const conn of [...this.connections]) conn.close(CloseCode.GOING_AWAY, 'server shutting down');
    this.helloDeadlines.stop();
    this.sessions.endAll();
    await Promise.all([...this.listeners].map((l) => l.close()));
    this.listeners.clear();
    if (this.ownsBroker) await this.broker.close?.();
  }
}

/** A contract waiting for its implementation; see `createServer`. */
export interface ServerBuilder<T extends ContractTree> {
  /**
   * Implement the contract: handlers, guards, context and options. Because the contract's type is already
   * fixed here, TypeScript infers everything else: `ctx` in handlers and guards is what `context` returns,
   * `params` is what the `params` schema parses, and a missing, misspelled or mistyped handler is an error.
   */
  implement<Ctx = undefined, Params = unknown, Auth = undefined>(
    config: ServerConfig<T, Ctx, Params, Auth>,
  ): AckwireServer<T, Ctx, Params, Auth>;
}

/**
 * Create a server for a contract:
 *
 *   const server = createServer(api).implement({ context, guards, handlers });
 *
 * `createServer(api, config)` is the same in one call. TypeScript types `ctx` there only when it can type the
 * `context` function without the contract (no context, or an annotated parameter); the two-step form
 * always works, so the guides use it.
 */
export function createServer<const T extends ContractTree>(contract: Contract<T>): ServerBuilder<T>;
export function createServer<const T extends ContractTree, Ctx = undefined, Params = unknown, Auth = undefined>(
  contract: Contract<T>,
  config: ServerConfig<T, Ctx, Params, Auth>,
): AckwireServer<T, Ctx, Params, Auth>;
export function createServer<const T extends ContractTree>(
  contract: Contract<T>,
  config?: ServerConfig<T, unknown, unknown, unknown>,
): ServerBuilder<T> | AckwireServer<T, unknown, unknown, unknown> {
  if (config) return new AckwireServer(contract, config);
  return { implement: (c) => new AckwireServer(contract, c) } as ServerBuilder<T>;
}
