/**
 * Workload F's Ackwire node: the `ackwire` system's server (defaults, validation, receipts) with the Redis
 * session store of @ackwire/redis, so that every call is claimed and its outcome stored in Redis (exactly
 * once across nodes), against the same server on the in-memory store.
 */
import { createRedisSessionStore } from '@ackwire/redis';
import { createServer } from '@ackwire/server';
import { listen } from '@ackwire/server/ws';
import { TOPIC, makeEvent } from '../payload.js';
import { api } from './ackwire-contract.js';
import { newCounters, type BenchServer } from './types.js';

export async function start(redisUrl: string): Promise<BenchServer> {
  const counters = newCounters();
  let errors = 0;
  const report = (level: string) => (message: string, details?: Record<string, unknown>) => {
    if (++errors <= 5) console.error(`[ackwire-redis-store server ${level}] ${message}`, details ?? '');
  };
  const logger = { error: report('error'), warn: report('warn') };
  const sessionStore = await createRedisSessionStore({ url: redisUrl, logger });
  const server = createServer(api, {
    logger,
    sessionStore,
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
      return server.publish(api.bench.events, TOPIC, makeEvent(seq));
    },
    close: async () => {
      await server.close();
      await sessionStore.close();
    },
  };
}
