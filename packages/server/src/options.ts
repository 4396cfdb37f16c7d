/** Server options and their defaults. Every default is documented in docs/server.md. */
import type { Subprotocol } from '@ackwire/core';
import type { z } from 'zod';
import type { Broker } from './broker.js';
import type { Handshake } from './handshake.js';

export interface ConnectionInfo<Params> extends Handshake {
  /** Connection parameters from the client's hello, parsed by the `params` schema. */
  readonly params: Params;
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
  /** Send buffer of one connection, in bytes; past it the client is closed with 4509. Default 8 MiB. */
  maxBufferedBytes: number;
  /** Frames accepted before the hello is answered. Default 64. */
  maxEarlyFrames: number;
}

export interface ServerOptions<Ctx, Params> {
  /** Build the handlers' context from the handshake and the hello's params. Throw an AckwireError
   * (UNAUTHORIZED → close 4401, FORBIDDEN → 4403) to refuse the connection. Runs again on every resume. */
  context?: (info: ConnectionInfo<Params>) => Ctx | Promise<Ctx>;
  /** Schema of the connection params the client sends in its hello. Invalid params close with 4400. */
  params?: z.ZodType<Params>;
  /** Where events are published, retained and replayed. Default: a MemoryBroker. */
  broker?: Broker;
  /** Subprotocol tokens accepted, in the server's order of preference. Default: superjson, then json. */
  subprotocols?: readonly Subprotocol[];
  /** How long a session outlives its connection, in ms. Default 120,000. */
  sessionRetentionMs?: number;
  /** Time allowed between the upgrade and the hello, in ms. Default 10,000; close 4408. */
  helloTimeoutMs?: number;
  /** Interval of the server's pings, in ms; a peer that has not answered one by the next is dropped.
   * Default 30,000; 0 turns them off. */
  heartbeatMs?: number;
  limits?: Partial<ServerLimits>;
  /** Where handler failures and protocol faults are reported. Default: console. */
  logger?: Logger;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxInFlight: 256,
  maxRetainedCalls: 1024,
  maxBufferedBytes: 8 * 1024 * 1024,
  maxEarlyFrames: 64,
};

export const consoleLogger: Logger = {
  error: (message, details) => console.error(`[ackwire] ${message}`, details ?? ''),
  warn: (message, details) => console.warn(`[ackwire] ${message}`, details ?? ''),
};
