/**
 * `createClient(contract, options)`: a typed tree of callers for the contract (caller-tree.ts), wired to one
 * connection, the call manager and the subscription manager.
 *
 * The state lives in one `ClientCore` object, which is also the connection's owner and the managers'
 * transport: an application may hold many clients (one per tenant, per tab, per test), and each costs a few
 * objects, not dozens of closures. Collections that most clients never use (event listeners, `$ready`
 * waiters, `$authenticate` refreshes) are created on first use.
 */
import {
  AckwireError,
  MessageType,
  indexOf,
  type AckMessage,
  type ClientMessage,
  type Contract,
  type ContractTree,
  type Definition,
  type ServerMessage,
  type WelcomeMessage,
} from '@ackwire/core';
import { AckScheduler, type AckSink } from './acks.js';
import { defineCallers, initNode, type CallerSource, type TreeNode } from './caller-tree.js';
import { CallManager, type CallRecorder, type CallTransport } from './calls.js';
import type { CallJournal } from './persistence/journal.js';
import type { StoredState } from './persistence/storage.js';
import { Connection, type ConnectionOwner } from './connection.js';
import type { ClientOptions, WebSocketLike } from './options.js';
import { flushInOrder } from './outbox.js';
import type { SocketBinding } from './socket-events.js';
import { SubscriptionManager, type SubscriptionTransport } from './subscriptions.js';
import type { CallOptions, Client, ClientEvents, CloseInfo, ConnectionInfo, ConnectionState, RecoveredCall, SubscribeHandlers } from './types.js';

/** What a client restored from storage starts from and adds (persistence/restore.ts); none of it is in a
 * bundle that only creates clients. */
export interface Restored {
  readonly journal: CallJournal;
  readonly state: StoredState;
  readonly calls: CallRecorder;
  /** The stored calls, pending again in `calls`. */
  recover(calls: CallManager): RecoveredCall[];
}

type Listeners = { [E in keyof ClientEvents]?: Set<ClientEvents[E]> };
interface Waiter {
  resolve(): void;
  reject(e: AckwireError): void;
}

class ClientCore implements ConnectionOwner, CallTransport, SubscriptionTransport, AckSink, CallerSource {
  #counter = 0;
  #listeners: Listeners | undefined;
  #waiters: Waiter[] | undefined;
  /** `$authenticate` calls waiting for the server's answer, by frame id. */
  #authenticating: Map<number, Waiter> | undefined;
  /** Acknowledgements: one frame for a batch of results (acks.ts). */
  readonly #acks = new AckScheduler(this);
  #started = false;
  readonly calls: CallManager;
  readonly subs: SubscriptionManager;
  readonly conn: Connection;
  readonly #journal: CallJournal | undefined;
  /** Calls recovered from storage, as the application gets them. */
  recovered: readonly RecoveredCall[] = [];

  constructor(fingerprint: string, options: ClientOptions<unknown>, defaultWebSocket: WebSocketLike | undefined, sockets: SocketBinding, restored?: Restored) {
    const validate = options.validate ?? true;
    this.#journal = restored?.journal;
    if (restored) {
      this.#counter = restored.journal.firstId;
      options = { ...options, session: restored.state.session ?? options.session };
    }
    this.calls = new CallManager(this, options.maxOutbox ?? 1000, options.defaultTimeoutMs, validate, restored?.calls);
    this.subs = new SubscriptionManager(this, validate);
    this.conn = new Connection(options, fingerprint, this, defaultWebSocket, sockets);
  }

  // ---- the contract's callers (caller-tree.ts) -------------------------------------------------------------

  caller(def: Definition): unknown {
    if (def.kind === 'procedure') return (input?: unknown, callOptions?: CallOptions) => this.calls.call(def, input, callOptions);
    return { subscribe: (input: unknown, handlers: SubscribeHandlers<unknown>) => this.subs.subscribe(def, input, handlers) };
  }

  // ---- transport for the managers ----------------------------------------------------------------------

  nextId(): number {
    const id = ++this.#counter;
    this.#journal?.used(id);
    return id;
  }

  send(msg: ClientMessage): boolean {
    const isCall = msg.type === MessageType.CALL;
    // In the same write as the frame: the frames of one turn are corked together. A call being written is
    // not in the call table yet, so the watermark must stay at or below its id.
    this.#acks.beforeSend(isCall ? msg.id : undefined);
    // Requests may follow the hello of a new session before its welcome (the server holds them in order).
    return this.conn.send(msg, isCall || msg.type === MessageType.SUBSCRIBE || msg.type === MessageType.UNSUBSCRIBE || msg.type === MessageType.CANCEL);
  }

  flush(): void {
    flushInOrder(this.calls, this.subs);
  }

  get open(): boolean {
    return this.conn.writable;
  }

  wake(): void {
    // A call or subscription is waiting: the connection may not let the process exit while it reconnects.
    this.conn.hold();
    if (this.#started) return;
    this.#started = true;
    this.conn.start();
  }

  resultArrived(): void {
    this.#acks.resultArrived();
  }

  // ---- the ack scheduler's sink --------------------------------------------------------------------------

  watermark(): number {
    return this.calls.watermark(this.#counter + 1);
  }

  awaited(): Iterable<number> {
    return this.calls.awaitedIds();
  }

  lastId(): number {
    return this.#counter;
  }

  sendAck(ack: AckMessage): boolean {
    return this.conn.send(ack);
  }

  // ---- the connection's owner --------------------------------------------------------------------------

  opened(welcome: WelcomeMessage): void {
    if (welcome.lastId > this.#counter) this.#counter = welcome.lastId;
    if (!welcome.resumed) this.#journal?.session({ id: welcome.sessionId, token: welcome.resumeToken });
    this.#emit('session', { sessionId: welcome.sessionId, resumed: welcome.resumed });
    this.calls.opened(welcome.resumed, welcome.limits.maxInFlight);
    this.subs.opened();
    this.flush();
    this.#acks.flush();
    // A refresh cut off by the reconnect is done too: the hello just accepted carried its params.
    this.#settleWaiters(undefined);
  }

  /** Settle the `$authenticate` refreshes, then the `$ready` waiters: resolved, or rejected with `error`. */
  #settleWaiters(error: AckwireError | undefined): void {
    const refreshes = this.#authenticating;
    const waiters = this.#waiters;
    this.#authenticating = undefined;
    this.#waiters = undefined;
    if (refreshes) for (const w of refreshes.values()) error ? w.reject(error) : w.resolve();
    if (waiters) for (const w of waiters) error ? w.reject(error) : w.resolve();
  }

  writable(): void {
    this.flush();
  }

  frame(msg: ServerMessage): void {
    const type = msg.type;
    if ((type === MessageType.RESULT || type === MessageType.ERROR) && this.#authenticating?.has(msg.id)) {
      const a = this.#authenticating.get(msg.id)!;
      this.#authenticating.delete(msg.id);
      return type === MessageType.RESULT ? a.resolve() : a.reject(new AckwireError(msg.code, msg.message, { data: msg.data ?? undefined }));
    }
    if (type === MessageType.EVENT || type === MessageType.SUBSCRIBED) this.subs.frame(msg);
    else if (type === MessageType.ERROR) {
      if (!this.subs.frame(msg)) this.calls.frame(msg);
    } else this.calls.frame(msg);
  }

  down(error: AckwireError | undefined): void {
    // A queued ack finds the connection down and waits for the next welcome (see opened).
    this.calls.down();
    this.subs.down();
    if (!error) return;
    this.calls.closed(error);
    this.subs.closed(error);
    this.#settleWaiters(error);
    if (error.code !== 'CONNECTION_CLOSED' || (this.#listeners?.error?.size ?? 0) > 0) this.#emit('error', error);
  }

  state(state: ConnectionState): void {
    this.#emit('state', state);
  }

  closed(info: CloseInfo): void {
    this.#emit('close', info);
  }

  /** Calls, subscriptions, `$ready()` or `$authenticate` are waiting for the connection. */
  busy(): boolean {
    return this.calls.size > 0 || this.subs.size > 0 || (this.#waiters?.length ?? 0) > 0 || (this.#authenticating?.size ?? 0) > 0;
  }

  changed(): void {
    if (this.#listeners?.connection) this.#emit('connection', this.conn.info);
  }

  // ---- the controls ($on, $ready, $authenticate, $close) -------------------------------------------------

  on<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): () => void {
    const listeners = (this.#listeners ??= {}) as { [K in E]?: Set<ClientEvents[E]> };
    const set = (listeners[event] ??= new Set());
    set.add(listener);
    return () => set.delete(listener);
  }

  #emit<E extends keyof ClientEvents>(event: E, ...args: Parameters<ClientEvents[E]>): void {
    const set = this.#listeners?.[event] as Set<(...a: Parameters<ClientEvents[E]>) => void> | undefined;
    if (set) for (const fn of set) fn(...args);
  }

  ready(): Promise<void> {
    this.wake();
    if (this.conn.isOpen) return Promise.resolve();
    if (this.conn.state === 'closed') return Promise.reject(new AckwireError('CONNECTION_CLOSED', 'The client is closed'));
    return new Promise<void>((resolve, reject) => (this.#waiters ??= []).push({ resolve, reject }));
  }

  async authenticate(params: unknown): Promise<void> {
    const previous = this.conn.params.set(params);
    try {
      await this.ready();
      const value = typeof params === 'function' ? await (params as () => unknown)() : params;
      const id = this.nextId();
      await new Promise<void>((resolve, reject) => {
        // Closed while the params were being read: no hello will ever carry them.
        if (this.conn.state === 'closed') return reject(new AckwireError('CONNECTION_CLOSED', 'The client is closed'));
        (this.#authenticating ??= new Map()).set(id, { resolve, reject });
        this.conn.send({ type: MessageType.AUTHENTICATE, id, params: value ?? null }); // if closed now, the next hello carries them
      });
    } catch (err) {
      if (!(err instanceof AckwireError && err.code === 'CONNECTION_CLOSED')) this.conn.params.restore(previous);
      throw err;
    }
  }

  close(): void {
    this.#acks.flush();
    this.conn.close();
  }
}

/**
 * The object `createClient` returns: the controls, and through a subclass per contract (`handleClass`) the
 * contract's tree. The `$` methods are per-instance arrow functions, so they keep working when passed around
 * unbound (`useEffect(() => client.$close, [])`).
 */
class ClientHandle {
  readonly #core: ClientCore;

  constructor(core: ClientCore) {
    this.#core = core;
    initNode(this as unknown as TreeNode, core);
  }

  get $state(): ConnectionState {
    return this.#core.conn.state;
  }

  get $connection(): ConnectionInfo {
    return this.#core.conn.info;
  }

  get $recovered(): readonly RecoveredCall[] {
    return this.#core.recovered;
  }

  get $sessionId(): string | undefined {
    return this.#core.conn.sessionId;
  }

  get $session(): { id: string; token: string } | undefined {
    return this.#core.conn.session;
  }

  readonly $on = <E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): (() => void) => this.#core.on(event, listener);
  readonly $ready = (): Promise<void> => this.#core.ready();
  readonly $authenticate = (params: unknown): Promise<void> => this.#core.authenticate(params);
  readonly $reconnect = (): boolean => this.#core.conn.reconnectNow();
  readonly $close = (): void => this.#core.close();
}

/** The client classes of the contracts: ClientHandle with the contract's tree, made once per contract. */
const handleClasses = new WeakMap<ContractTree, typeof ClientHandle>();

function handleClass(contract: ContractTree): typeof ClientHandle {
  let Handle = handleClasses.get(contract);
  if (!Handle) {
    Handle = class extends ClientHandle {};
    defineCallers(Handle.prototype, contract);
    handleClasses.set(contract, Handle);
  }
  return Handle;
}

export function makeClient<T extends ContractTree, Params>(
  contract: Contract<T>,
  options: ClientOptions<Params>,
  defaultWebSocket: WebSocketLike | undefined,
  sockets: SocketBinding,
  restored?: Restored,
): Client<T, Params> {
  const core = new ClientCore(indexOf(contract).fingerprint, options, defaultWebSocket, sockets, restored);
  if (restored) core.recovered = Object.freeze(restored.recover(core.calls));
  const client = new (handleClass(contract))(core);
  if (!options.lazy) core.wake();
  return client as unknown as Client<T, Params>;
}
