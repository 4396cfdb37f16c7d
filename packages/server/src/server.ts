/**
 * The server's public face: `createServer(contract).implement(config)` gives an AckwireServer, whose type
 * is its public API only (its state lives in runtime.ts). Transport-free: `accept()` takes any WireSocket;
 * `@ackwire/server/ws` (ws/) serves it over Node's HTTP servers and `ws`.
 */
import {
  AckwireError,
  type Contract,
  type ContractTree,
  type ParamsOutput,
  type ParsedParamsOf,
  type PublishedEventOf,
  type Schema,
  type SubscriptionDef,
  type TreeOf,
} from '@ackwire/core';
import { enableZodCompiler, parseSync } from '@ackwire/core/internal';
import type { TopicHead } from './broker.js';
import type { Connection } from './connection.js';
import { drain } from './drain.js';
import type { TopicKey } from './handlers.js';
import type { Handshake } from './handshake.js';
import type { RevokeInfo } from './revocation.js';
import { ServerRuntime, registerRuntime, runtimeOf, type RuntimeConfig } from './runtime.js';
import type { ServerConfig } from './server-config.js';
import type { WireSocket } from './socket.js';

export type { ServerConfig } from './server-config.js';

export class AckwireServer<T extends ContractTree, Ctx, Params, Auth = any> {
  /** The contract's fingerprint, compared with each client's in the hello. */
  readonly fingerprint: string;

  /** Use `createServer`. */
  constructor(
    readonly contract: Contract<T>,
    config: ServerConfig<T, Ctx, Params, Auth>,
  ) {
    enableZodCompiler(); // zod's compiler for validation where the installed zod has one (see core's validate.ts)
    const runtime = new ServerRuntime(contract as Contract<ContractTree>, config as unknown as RuntimeConfig);
    this.fingerprint = runtime.fingerprint;
    registerRuntime(this, runtime);
  }

  /** Start speaking ackwire.v1 on a socket whose subprotocol was negotiated (for a runtime binding). */
  accept(socket: WireSocket, handshake: Handshake): Connection {
    return runtimeOf(this).accept(socket, handshake);
  }

  /**
   * Close every connection and end every session (resumable ones included) whose context matches, with
   * close code 4401 (fatal: the client stops and does not reconnect) and `reason`. Running calls are
   * aborted and the sessions cannot be resumed. Returns the number of sessions ended. To keep the user out,
   * make `authenticate`/`context` refuse their credentials too.
   */
  revoke(predicate: (ctx: Ctx, info: RevokeInfo) => boolean, reason = 'credentials revoked'): number {
    return runtimeOf(this).owners.revoke(predicate as (ctx: unknown, info: RevokeInfo) => boolean, reason);
  }

  /**
   * Publish an event to the subscribers whose handler mapped their input to `key`. The event is validated
   * against the subscription's schema once (a bad event throws BAD_REQUEST here, not at the subscribers)
   * and encoded once per codec in use.
   */
  async publish<D extends SubscriptionDef>(def: D, key: TopicKey, event: PublishedEventOf<D>): Promise<TopicHead> {
    const runtime = runtimeOf(this);
    const registered = runtime.subscriptions.get(def.path);
    if (!registered || registered.def !== def) throw new TypeError('Ackwire server: publish needs a subscription of this contract');
    const parsed = parseSync(registered.def.event, event);
    if (!parsed.success) throw new AckwireError('BAD_REQUEST', `Invalid event for "${def.path}"`, { data: { issues: parsed.error.issues } });
    return runtime.broker.publish(runtime.topicName(def, key), parsed.data);
  }

  /**
   * Drain, then close (docs/server.md, "Shutting down"): refuse new connections and calls, close every
   * connection with 1012 so that clients reconnect at once (to another process behind the load balancer),
   * let running calls finish within `drainTimeoutMs` with their outcomes stored in the session store, then
   * stop listening and close the broker and the store if the server made them (ones passed in the options
   * stay open: they may serve other servers). With a session store that other processes share (one with
   * `awaitOutcome`, such as `@ackwire/redis`'s) sessions are not ended: clients resume them elsewhere and get
   * the outcomes of calls that finished here. With the in-memory store, connections with running calls stay
   * open until those answer, and the sessions end. A second call waits for the first.
   */
  close(): Promise<void> {
    const runtime = runtimeOf(this);
    return (runtime.closing ??= closeRuntime(runtime));
  }
}

async function closeRuntime(runtime: ServerRuntime): Promise<void> {
  await drain(runtime, runtime.drainTimeoutMs);
  runtime.helloDeadlines.stop();
  if (runtime.ownsStore) await runtime.sessions.store.close?.();
  await Promise.all([...runtime.listeners].map((l) => l.close()));
  runtime.listeners.clear();
  if (runtime.ownsBroker) await runtime.broker.close?.();
}

/** A contract waiting for its implementation; see `createServer`. */
export interface ServerBuilder<T extends ContractTree, Params = unknown> {
  /**
   * Implement the contract: handlers, guards, context and options. Because the contract's type is already
   * fixed here, TypeScript infers everything else: `ctx` in handlers and guards is what `context` returns,
   * `params` is what the contract's params schema parses, and a missing, misspelled or mistyped handler is
   * an error.
   */
  implement<Ctx = undefined, Auth = undefined>(
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
export function createServer<const T extends ContractTree, P extends Schema | undefined = undefined>(
  contract: Contract<T, P>,
): ServerBuilder<T, ParamsOutput<P>>;
export function createServer<const T extends ContractTree, P extends Schema | undefined = undefined, Ctx = undefined, Auth = undefined>(
  contract: Contract<T, P>,
  config: ServerConfig<T, Ctx, ParamsOutput<P>, Auth>,
): AckwireServer<T, Ctx, ParamsOutput<P>, Auth>;
export function createServer<const T extends ContractTree>(
  contract: Contract<T>,
  config?: ServerConfig<T, unknown, unknown, unknown>,
): ServerBuilder<T> | AckwireServer<T, unknown, unknown, unknown> {
  if (config) return new AckwireServer(contract, config);
  return { implement: (c) => new AckwireServer(contract, c) } as ServerBuilder<T>;
}

/**
 * The type of the server `createServer(api).implement(...)` returns, for code that names it:
 * `let server: ServerOf<typeof api, Ctx>`.
 */
export type ServerOf<C extends Contract, Ctx = undefined, Auth = any> = AckwireServer<TreeOf<C>, Ctx, ParsedParamsOf<C>, Auth>;
