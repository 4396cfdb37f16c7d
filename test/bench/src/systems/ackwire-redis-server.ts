/**
 * Workload E's Ackwire node: the `ackwire` system's server (defaults, validation, offsets) with the Redis
 * broker of @ackwire/redis, so several processes share the bench topic. Events carry their publish time.
 */
import { createRedisBroker } from '@ackwire/redis';
import { startWith } from './ackwire-server.js';
import type { BenchServer } from './types.js';

export const start = (redisUrl: string): Promise<BenchServer> =>
  startWith({ name: 'ackwire-redis', backends: async (logger) => ({ broker: await createRedisBroker({ url: redisUrl, logger }) }) });
