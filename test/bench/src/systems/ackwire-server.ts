/**
 * Ackwire with its defaults: superjson, receipts, input and output validation, the in-memory broker, the
 * message rate limit. One abuse limit is lifted, because a load test breaks it by design: every connection
 * comes from 127.0.0.1 (default cap: 256 per address; workloads B to D open 1,000 to 5,050).
 */
import { createServer, type Broker, type Logger, type SessionStore } from '@ackwire/server';
import { TOPIC, makeTimedEvent } from '../payload.js';
import { wallNow } from '../stats.js';
import { api, apiUnchecked } from './ackwire-contract.js';
import { newCounters, type BenchServer } from './types.js';
import { listen } from '@ackwire/server/ws';

export const start = (): Promise<BenchServer> => startWith({ name: 'ackwire' });
/** The `ackwire-unchecked` system's server: the same, with schemas that accept anything. */
export const startUnchecked = (): Promise<BenchServer> => startWith({ name: 'ackwire-unchecked', contract: apiUnchecked });

/** A backend of @ackwire/redis in place of an in-memory default, closed after the server. */
export interface Backends {
  broker?: Broker & { close(): unknown };
  sessionStore?: SessionStore & { close(): unknown };
}

/** The server of every Ackwire system, named in its log lines; `backends` replace the in-memory defaults. */
export async function startWith(options: {
  name: string;
  contract?: typeof api;
  backends?: (logger: Logger) => Promise<Backends>;
}): Promise<BenchServer> {
  const contract = options.contract ?? api;
  const counters = newCounters();
  let errors = 0;
  const report = (level: string) => (message: string, details?: Record<string, unknown>) => {
    if (++errors <= 5) console.error(`[${options.name} server ${level}] ${message}`, details ?? '');
  };
  const logger = { error: report('error'), warn: report('warn') };
  const backends = (await options.backends?.(logger)) ?? {};
  const server = createServer(contract, {
    logger,
    ...backends,
    limits: { maxConnectionsPerAddress: Infinity },
    // Runs once per hello: the count of connections that completed the handshake.
    context: () => {
      counters.connections++;
    },
    handlers: {
      bench: {
        echo: (input) => {
          counters.calls++;
          return input;
        },
        events: ({ topic }) => {
          counters.subscribers++;
          return topic;
        },
      },
    },
  });
  const listener = await listen(server, { port: 0, host: '127.0.0.1' });
  return {
    url: listener.url,
    counters: () => ({ ...counters, open: listener.connections }),
    publish: (seq) => {
      counters.published++;
      return server.publish(contract.bench.events, TOPIC, makeTimedEvent(seq, wallNow()));
    },
    close: async () => {
      await server.close();
      await backends.broker?.close();
      await backends.sessionStore?.close();
    },
  };
}
