/** What each compared system provides: a server (run in the server process) and a client (in load processes). */
import type { Echo } from '../payload.js';

/** Counters a server keeps itself; the runner compares them with what the clients saw. */
export interface ServerCounters {
  /** Calls the echo handler ran. */
  calls: number;
  /** Connections accepted since start. */
  connections: number;
  /** Connections open now. */
  open: number;
  /** Subscriptions registered on the server. */
  subscribers: number;
  /** Events published. */
  published: number;
}

export interface BenchServer {
  readonly url: string;
  counters(): ServerCounters;
  /** Publish event `seq` (made by `makeTimedEvent` at the time of publishing) to every subscriber of the bench topic. */
  publish(seq: number): void | Promise<unknown>;
  close(): Promise<void>;
}

export type ServerName = 'ackwire' | 'ackwire-unchecked' | 'wire-floor' | 'ws' | 'socket.io' | 'trpc' | 'ackwire-redis' | 'socket.io-redis' | 'ackwire-redis-store';

export interface RpcConnection {
  /** Settles when the system reports the connection ready (its own signal: open, connect, welcome). */
  ready: Promise<void>;
  call(input: Echo): Promise<unknown>;
  close(): void | Promise<void>;
}

export interface Subscriber {
  close(): void | Promise<void>;
}

export interface BenchClient {
  /**
   * Open a connection the way an application does; resolves as soon as the client accepts a call. Clients
   * that queue calls made before the connection is up (Ackwire, socket.io, tRPC) resolve at once; raw `ws`,
   * which cannot send before `open`, resolves on open. `ready` tells when the connection itself is up.
   */
  connect(url: string): Promise<RpcConnection>;
  /** Open a connection and subscribe to the bench topic; resolves once the server confirmed the subscription. */
  subscribe(url: string, onEvent: (event: unknown) => void): Promise<Subscriber>;
}

export function newCounters(): ServerCounters {
  return { calls: 0, connections: 0, open: 0, subscribers: 0, published: 0 };
}
