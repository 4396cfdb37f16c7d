/**
 * Workload E's Ackwire node: the `ackwire` system's server (defaults, validation, offsets) with the Redis
 * broker of @ackwire/redis, so several processes share the bench topic. Events carry their publish time.
 */
import { createServer } from '@ackwire/server';
import { createRedisBroker } from '@ackwire/redis';
import { TOPIC, makeTimedEvent } from '../payload.js';
import { wallNow } from '../stats.js';
import { api } from './ackwire-contract.js';
import { newCounters, type BenchServer } from './types.js';
import { listen } from '@ackwire/server/ws';

export async function start(redisUrl: string): Promise<BenchServer> {
  const counters = newCounters();
  let errors = 0;
  const report = (level: string) => (message: string, details?: Record<string, unknown>) => {
    if (++errors <= 5) console.error(`[ackwire-redis server ${level}] ${message}`, details ?? '');
  };
  const logger = { error: report('error'), warn: report('warn') };
  const broker = await createRedisBroker({ url: redisUrl, logger });
  const server = createServer(api, {
    logger,
    broker,
    limits: { maxConnectionsPerAddress: Infinity },
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
      return server.publish(api.bench.events, TOPIC, makeTimedEvent(seq, wallNow()));
    },
    close: async () => {
      await server.close();
      await broker.close();
    },
  };
}
