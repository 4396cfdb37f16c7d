/** The compared systems. Modules load lazily so a server process never imports client libraries and back. */
import type { BenchClient, BenchServer, ServerName } from './types.js';

export type ClientName = 'ackwire' | 'ackwire-unchecked' | 'ackwire-wire' | 'ws' | 'socket.io' | 'socket.io-retries' | 'trpc';

export interface SystemSpec {
  /** Row label in tables and the key in results. */
  readonly name: string;
  readonly server: ServerName;
  readonly client: ClientName;
  /** What the system does, for the docs. */
  readonly what: string;
  /** Makes calls only (no subscriptions): runs workload D alone. */
  readonly callsOnly?: true;
  /** Runs only when named in `--systems`: a variant for one question, not a row of every run. */
  readonly optIn?: true;
  /** Its server needs a Redis URL (workload F starts one). */
  readonly needsRedis?: true;
}

export const SYSTEMS: readonly SystemSpec[] = [
  {
    name: 'ackwire',
    server: 'ackwire',
    client: 'ackwire',
    what: 'Ackwire defaults: superjson codec, receipts, zod validation of input (server) and output (server and client), event offsets and acks',
  },
  {
    name: 'ackwire-unchecked',
    server: 'ackwire-unchecked',
    client: 'ackwire-unchecked',
    optIn: true,
    what: 'opt-in (`--systems`): Ackwire with every default but validation: the same contract with z.any() schemas, which both sides check as a no-op; the difference to `ackwire` is what validating inputs, outputs and events costs',
  },
  {
    name: 'ackwire-wire',
    server: 'ackwire',
    client: 'ackwire-wire',
    callsOnly: true,
    what: 'workload D only: the Ackwire server with the least a client can do (hello and call written by hand over raw ws; no validation, acks or resume): the protocol without the client library',
  },
  {
    name: 'wire-floor',
    server: 'wire-floor',
    client: 'ackwire-wire',
    callsOnly: true,
    what: 'workload D only: the protocol written by hand on both sides over raw ws (the ackwire-wire client; a server that answers a hello with a fixed welcome and echoes calls, with no sessions, validation or limits): the least the protocol costs',
  },
  {
    name: 'ackwire-redis-store',
    server: 'ackwire-redis-store',
    client: 'ackwire',
    needsRedis: true,
    what: 'workload F only: Ackwire defaults with the Redis session store of @ackwire/redis (every call claimed and its outcome stored in Redis, as several nodes need)',
  },
  { name: 'ws', server: 'ws', client: 'ws', what: 'raw ws: JSON echo with a pending-id map; broadcast serialized once' },
  { name: 'socket.io', server: 'socket.io', client: 'socket.io', what: 'socket.io 4: emitWithAck, rooms; websocket transport only' },
  {
    name: 'socket.io-retries',
    server: 'socket.io',
    client: 'socket.io-retries',
    what: 'socket.io 4 at-least-once: client `retries: 3, ackTimeout: 10000` (its queue sends one packet at a time per socket)',
  },
  { name: 'trpc', server: 'trpc', client: 'trpc', what: 'tRPC 11: createWSClient + wsLink, applyWSSHandler, zod input, async-generator subscription' },
];

export function systemByName(name: string): SystemSpec {
  const spec = SYSTEMS.find((s) => s.name === name);
  if (!spec) throw new Error(`unknown system "${name}"; known: ${SYSTEMS.map((s) => s.name).join(', ')}`);
  return spec;
}

/** The server of a system in workload E: the same system on Redis (several nodes share one Redis). */
export const REDIS_SERVER_OF: Readonly<Record<string, ServerName>> = { ackwire: 'ackwire-redis', 'socket.io': 'socket.io-redis' };

export async function startServer(name: ServerName, redisUrl?: string): Promise<BenchServer> {
  const redis = (): string => {
    if (!redisUrl) throw new Error(`${name} needs a Redis URL`);
    return redisUrl;
  };
  switch (name) {
    case 'ackwire-redis':
      return (await import('./ackwire-redis-server.js')).start(redis());
    case 'socket.io-redis':
      return (await import('./socketio-redis-server.js')).start(redis());
    case 'ackwire-redis-store':
      return (await import('./ackwire-redis-store-server.js')).start(redis());
    case 'ackwire':
      return (await import('./ackwire-server.js')).start();
    case 'ackwire-unchecked':
      return (await import('./ackwire-server.js')).startUnchecked();
    case 'ws':
      return (await import('./ws-server.js')).start();
    case 'wire-floor':
      return (await import('./wire-floor-server.js')).start();
    case 'socket.io':
      return (await import('./socketio-server.js')).start();
    case 'trpc':
      return (await import('./trpc-server.js')).start();
  }
}

export async function loadClient(name: ClientName): Promise<BenchClient> {
  switch (name) {
    case 'ackwire':
      return (await import('./ackwire-client.js')).client;
    case 'ackwire-unchecked':
      return (await import('./ackwire-client.js')).uncheckedClient;
    case 'ackwire-wire':
      return (await import('./ackwire-wire-client.js')).client;
    case 'ws':
      return (await import('./ws-client.js')).client;
    case 'socket.io':
      return (await import('./socketio-client.js')).client;
    case 'socket.io-retries':
      return (await import('./socketio-client.js')).retryingClient;
    case 'trpc':
      return (await import('./trpc-client.js')).client;
  }
}
