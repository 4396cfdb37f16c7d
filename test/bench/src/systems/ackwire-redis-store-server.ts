/**
 * Workload F's Ackwire node: the `ackwire` system's server (defaults, validation, receipts) with the Redis
 * session store of @ackwire/redis, so that every call is claimed and its outcome stored in Redis (exactly
 * once across nodes), against the same server on the in-memory store.
 */
import { createRedisSessionStore } from '@ackwire/redis';
import { startWith } from './ackwire-server.js';
import type { BenchServer } from './types.js';

export const start = (redisUrl: string): Promise<BenchServer> =>
  startWith({
    name: 'ackwire-redis-store',
    backends: async (logger) => ({ sessionStore: await createRedisSessionStore({ url: redisUrl, logger }) }),
  });
