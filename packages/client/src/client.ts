/**
 * `createClient(contract, options)`: a typed tree of callers built from the contract, wired to one
 * connection, the call manager and the subscription manager.
 */
import {
  AckwireError,
  MessageType,
  indexOf,
  isDefinition,
  type Contract,
  type ContractTree,
  type ServerMessage,
} from '@ackwire/core';
import { CallManager } from './calls.js';
import { Connection } from './connection.js';
import type { ClientOptions, WebSocketLike } from './options.js';
import { SubscriptionManager } from './subscriptions.js';
import type { CallOptions, Client, ClientEvents, ConnectionState, SubscribeHandlers } from './types.js';

/** Acks go out after this many results/events, or this long after the first unacknowledged one. */
const ACK_EVERY = 64;
const ACK_DELAY_MS = 100;

export function makeClient<T extends ContractTree>(
  contract: Contract<T>,
  options: ClientOptions,
  defaultWebSocket: WebSocketLike | undefined,
): Client<T> {
  const index = indexOf(contract);
  let counter = 0;
  const nextId = (): number => ++counter;
  const listeners: { [E in keyof ClientEvents]: Set<ClientEvents[E]> } = {
    state: new Set(),
    close: new Set(),
    session: new Set(),
    error: new Set(),
  };
  const emit = <E extends keyof ClientEvents>(event: E, ...args: Parameters<ClientEvents[E]>): void => {
    for (const fn of listeners[event]) (fn as (...a: Parameters<ClientEvents[E]>) => void)(...args);
  };
  let waiters: Array<{ resolve(): void; reject(e: AckwireError): void }> = [];
  /** `$authenticate` calls waiting for the server's answer, by frame id. */
  const authenticating = new Map<number, { resolve(): void; reject(e: AckwireError): void }>();

  // Acknowledgements: one frame for a batch of results and events.
  let unacked = 0;
  let ackTimer: ReturnType<typeof setTimeout> | undefined;
  const flushAck = (): void => {
    if (ackTimer) clearTimeout(ackTimer);
    ackTimer = undefined;
    if (unacked === 0) return;
    if (conn.send({ type: MessageType.ACK, callWatermark: calls.watermark(counter + 1), offsets: subs.offsets() })) unacked = 0;
  };
  const noteAck = (): void => {
    if (++unacked >= ACK_EVERY) return flushAck();
    ackTimer ??= setTimeout(flushAck, ACK_DELAY_MS);
  };

  let started = false;
  const wake = (): void => {
    if (!started) {
      started = true;
      conn.start();
    }
  };
  const transport = {
    send: (msg: Parameters<Connection['send']>[0]) => conn.send(msg, msg.type === MessageType.CALL),
    wake,
    resultArrived: noteAck,
    get open() {
      return conn.writable;
    },
    delivered: noteAck,
  };
  const validate = options.validate ?? true;
  const calls = new CallManager(transport, nextId, options.maxOutbox ?? 1000, options.defaultTimeoutMs, validate);
  const subs = new SubscriptionManager(transport, nextId, validate);

  const conn: Connection = new Connection(
    options,
    index.fingerprint,
    {
      opened: (welcome) => {
        if (welcome.lastId > counter) counter = welcome.lastId;
        emit('session', { sessionId: welcome.sessionId, resumed: welcome.resumed });
        calls.opened(welcome.resumed, welcome.limits.maxInFlight);
        subs.opened();
        if (unacked > 0) flushAck();
        // A refresh cut off by the reconnect: the hello just accepted carried its params.
        for (const a of authenticating.values()) a.resolve();
        authenticating.clear();
        for (const w of waiters) w.resolve();
        waiters = [];
      },
      frame: (msg: ServerMessage) => {
        if ((msg.type === MessageType.RESULT || msg.type === MessageType.ERROR) && authenticating.has(msg.id)) {
          const a = authenticating.get(msg.id)!;
          authenticating.delete(msg.id);
          return msg.type === MessageType.RESULT ? a.resolve() : a.reject(new AckwireError(msg.code, msg.message, { data: msg.data ?? undefined }));
        }
        if (msg.type === MessageType.EVENT || msg.type === MessageType.SUBSCRIBED || msg.type === MessageType.COMPLETE) subs.frame(msg);
        else if (msg.type === MessageType.ERROR) {
          if (!subs.frame(msg)) calls.frame(msg);
        } else calls.frame(msg);
      },
      writable: () => calls.writable(),
      down: (error) => {
        if (ackTimer) clearTimeout(ackTimer);
        ackTimer = undefined;
        calls.down();
        if (!error) return;
        calls.closed(error);
        subs.closed(error);
        for (const w of waiters) w.reject(error);
        waiters = [];
        for (const a of authenticating.values()) a.reject(error);
        authenticating.clear();
        if (error.code !== 'CONNECTION_CLOSED' || listeners.error.size > 0) emit('error', error);
      },
      state: (state: ConnectionState) => emit('state', state),
      closed: (info) => emit('close', info),
    },
    defaultWebSocket,
  );

  const controls = {
    get $state() {
      return conn.state;
    },
    get $sessionId() {
      return conn.sessionId;
    },
    get $session() {
      return conn.session;
    },
    $on<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): () => void {
      listeners[event].add(listener);
      return () => listeners[event].delete(listener);
    },
    $ready(): Promise<void> {
      wake();
      if (conn.isOpen) return Promise.resolve();
      if (conn.state === 'closed') return Promise.reject(new AckwireError('CONNECTION_CLOSED', 'The client is closed'));
      return new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
    },
    async $authenticate(params: unknown): Promise<void> {
      const previous = conn.setParams(params);
      try {
        await controls.$ready();
        const value = typeof params === 'function' ? await (params as () => unknown)() : params;
        const id = nextId();
        await new Promise<void>((resolve, reject) => {
          authenticating.set(id, { resolve, reject });
          conn.send({ type: MessageType.AUTHENTICATE, id, params: value ?? null }); // if closed now, the next hello carries them
        });
      } catch (err) {
        if (!(err instanceof AckwireError && err.code === 'CONNECTION_CLOSED')) conn.restoreParams(previous);
        throw err;
      }
    },
    $close(): void {
      flushAck();
      conn.close();
    },
  };

  const build = (node: ContractTree): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [name, child] of Object.entries(node)) {
      if (isDefinition(child)) {
        const def = child;
        out[name] =
          def.kind === 'procedure'
            ? (input?: unknown, callOptions?: CallOptions) => calls.call(def, input, callOptions)
            : { subscribe: (input: unknown, handlers: SubscribeHandlers<unknown>) => subs.subscribe(def, input, handlers) };
      } else out[name] = build(child as ContractTree);
    }
    return out;
  };
  const client = Object.assign(build(contract), controls);
  Object.defineProperties(client, Object.getOwnPropertyDescriptors(controls));
  if (!options.lazy) wake();
  return client as unknown as Client<T>;
}
