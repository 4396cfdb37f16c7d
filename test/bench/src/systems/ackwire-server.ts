/**
 * Ackwire with its defaults: superjson, receipts, input and output validation, the in-memory broker, the
 * message rate limit. One abuse limit is lifted, because a load test breaks it by design: every connection
 * comes from 127.0.0.1 (default cap: 256 per address; workloads B to D open 1,000 to 5,050).
 */
import { createServer } from '@ackwire/server';
import { TOPIC, makeTimedEvent } from '../payload.js';
import { wallNow } from '../stats.js';
import { api, apiUnchecked } from './ackwire-contract.js';
import { newCounters, type BenchServer } from './types.js';
import { listen } from '@ackwire/server/ws';

export const start = (): Promise<BenchServer> => startWith(api);
/** The `ackwire-unchecked` system's server: the same, with schemas that accept anything. */
export const startUnchecked = (): Promise<BenchServer> => startWith(apiUnchecked);

async function startWith(contract: typeof api): Promise<BenchServer> {
  const counters = newCounters();
  let errors = 0;
  const report = (level: string) => (message: string, details?: Record<string, unknown>) => {
    if (++errors <= 5) console.error(`[ackwire server ${level}] ${message}`, details ?? '');
  };
  const server = createServer(contract, {
    logger: { error: report('error'), warn: report('warn') },
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
    close: () => server.close(),
  };
}
