/**
 * The server's state, behind its public API: the contract's handlers, sessions, topics, guards, admission
 * and the live connections. `AckwireServer` is the public face of one runtime (see `runtimeOf`);
 * connections see it through the narrow `ConnectionRuntime`, bindings through `Gateway`.
 */
import {
  DEFAULT_SUBPROTOCOLS,
  canonicalJson,
  codecForSubprotocol,
  indexOf,
  type Codec,
  type Contract,
  type ContractTree,
  type Subprotocol,
  type SubscriptionDef,
} from '@ackwire/core';
import { Admission } from './admission.js';
import type { Broker } from './broker.js';
import { ServerConnection, type Connection } from './connection.js';
import type { ConnectionRuntime } from './connection-runtime.js';
import type { RegisteredProcedure, RegisteredSubscription } from './registered.js';
import { Credentials } from './credentials.js';
import { DEFAULT_DRAIN_TIMEOUT_MS } from './drain.js';
import type { Gateway, Closable } from './gateway.js';
import { GuardRunner } from './guards.js';
import type { Handshake } from './handshake.js';
import type { TopicKey } from './handlers.js';
import { HelloDeadlines } from './hello-deadlines.js';
import { MemoryBroker } from './memory-broker.js';
import { DEFAULT_LIMITS, consoleLogger, type Logger, type ServerLimits, type ServerOptions } from './options.js';
import { guardedCodec } from './payload-meta.js';
import { RefusalLog } from './refusal-log.js';
import { SessionOwners } from './revocation.js';
import { MemorySessionStore } from './memory-session-store.js';
import { SessionRegistry } from './session.js';
import type { WireSocket } from './socket.js';
import { TopicHub } from './topic-hub.js';

type AnyFn = (...args: any[]) => any;

/** A ServerConfig with its types erased (the runtime does not need them). */
export interface RuntimeConfig extends ServerOptions<any, any, any> {
  handlers: unknown;
  guards?: Readonly<Record<string, never>> | undefined;
}

export class ServerRuntime implements ConnectionRuntime, Gateway {
  readonly fingerprint: string;
  readonly procedures = new Map<string, RegisteredProcedure>();
  readonly subscriptions = new Map<string, RegisteredSubscription>();
  readonly sessions: SessionRegistry;
  /** The default store is the server's to close; one passed in belongs to the application. */
  readonly ownsStore: boolean;
  readonly hub: TopicHub;
  readonly broker: Broker;
  /** The default broker is the server's to close; one passed in belongs to the application. */
  readonly ownsBroker: boolean;
  readonly logger: Logger;
  /** One rate-limited warning per refused upgrade or connection closed for its peer's fault. */
  readonly refusals: RefusalLog;
  readonly limits: ServerLimits;
  readonly heartbeatMs: number;
  readonly guards: GuardRunner;
  /** Origin, connection limits and `authenticate`, before the upgrade. */
  readonly admission: Admission;
  /** Every connection's hello deadline, on one timer. */
  readonly helloDeadlines: HelloDeadlines;
  readonly owners: SessionOwners;
  readonly credentials: Credentials;
  readonly subprotocols: readonly Subprotocol[];
  readonly connections = new Set<ServerConnection>();
  /** One checked codec per codec, shared by all connections. */
  private readonly guardedCodecs = new Map<Codec, Codec>();
  /** What the bindings opened (listeners), closed with the server. */
  readonly listeners = new Set<Closable>();
  /** `close()` runs: upgrades are refused and no new call starts (drain.ts). */
  draining = false;
  /** How long a drain lets running calls finish, in ms. */
  readonly drainTimeoutMs: number;
  /** The close under way, so that a second `close()` waits for the same one. */
  closing: Promise<void> | undefined;

  constructor(contract: Contract<ContractTree>, config: RuntimeConfig) {
    const index = indexOf(contract);
    if ((config as { params?: unknown }).params !== undefined) {
      throw new TypeError(
        'Ackwire server: the params schema is declared in the contract now, so that clients are typed from it: contract(tree, { params: schema }) instead of the server option `params`',
      );
    }
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
    this.logger = config.logger ?? consoleLogger;
    this.refusals = new RefusalLog(this.logger);
    this.limits = { ...DEFAULT_LIMITS, ...config.limits };
    this.hub = new TopicHub(this.broker, this.limits.maxReplayEvents, this.limits.replayEventsPerSecond);
    const helloTimeoutMs = config.helloTimeoutMs ?? 10_000;
    this.heartbeatMs = config.heartbeatMs ?? 30_000;
    this.drainTimeoutMs = config.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
    this.subprotocols = config.subprotocols ?? DEFAULT_SUBPROTOCOLS;
    const retentionMs = config.sessionRetentionMs ?? 120_000;
    const store = config.sessionStore ?? new MemorySessionStore({ retentionMs, maxRetainedCalls: this.limits.maxRetainedCalls });
    this.ownsStore = config.sessionStore === undefined;
    this.sessions = new SessionRegistry(store, retentionMs, this.logger, {
      perAddress: this.limits.maxDetachedSessionsPerAddress,
      total: this.limits.maxDetachedSessions,
      addressOf: (handshake) => this.admission.keyOf(handshake),
    });
    this.guards = new GuardRunner(index.byPath.keys(), config.guards);
    this.admission = new Admission(config, this.limits, helloTimeoutMs, this.logger);
    this.helloDeadlines = new HelloDeadlines(helloTimeoutMs);
    this.owners = new SessionOwners(this.sessions);
    this.credentials = new Credentials({ ...config, params: index.params }, this.logger, this.owners);
  }

  /** Start speaking ackwire.v1 on a socket whose subprotocol was negotiated. */
  accept(socket: WireSocket, handshake: Handshake): Connection {
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

  forget(conn: ServerConnection): void {
    this.connections.delete(conn);
  }

  track<L extends Closable>(listener: L): L {
    this.listeners.add(listener);
    return listener;
  }

  /** The broker topic of a subscription's key. */
  topicName(def: SubscriptionDef, key: TopicKey): string {
    return `${def.path} ${canonicalJson(key)}`;
  }
}

/**
 * Where a server keeps its runtime: a property under a registered symbol, so that a second copy of this
 * module (the CommonJS build bundles one per entry point, `@ackwire/server` and `@ackwire/server/ws`)
 * finds the runtime of a server the first copy made. Not enumerable, and not in the server's type.
 */
const RUNTIME = Symbol.for('ackwire.server.runtime');

/** @internal Tie a public server object to its runtime. */
export function registerRuntime(server: object, runtime: ServerRuntime): void {
  Object.defineProperty(server, RUNTIME, { value: runtime });
}

/** @internal The runtime behind a server made by `createServer`. */
export function runtimeOf(server: object): ServerRuntime {
  const runtime = (server as { [RUNTIME]?: ServerRuntime })[RUNTIME];
  if (!runtime) throw new TypeError('Ackwire: not a server made by createServer');
  return runtime;
}

/** @internal What a binding sees of a server. */
export function gatewayOf(server: object): Gateway {
  return runtimeOf(server);
}
