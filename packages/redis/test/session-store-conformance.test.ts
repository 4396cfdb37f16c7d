/**
 * The session-store rules on RedisSessionStore against a real redis-server and a local three-master cluster.
 * Retention is Redis key expiry, so time passes for real (`advance` sleeps).
 */
import { describe, it } from 'vitest';
import { createCluster } from 'redis';
import { sessionStoreConformance } from '@ackwire/server/testing';
import { createRedisSessionStore } from '@ackwire/redis';
import { redisForFile } from '../../../test/helpers/redis-for-file.js';
import { skipWithoutRedis } from '../../../test/helpers/redis-server.js';

const skip = skipWithoutRedis('packages/redis/test/session-store-conformance.test.ts');
const quiet = { error: () => undefined, warn: () => undefined };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const redis = redisForFile(skip);

describe.skipIf(skip)('RedisSessionStore', () => {
  sessionStoreConformance(
    'RedisSessionStore on one redis-server',
    { create: (bounds) => createRedisSessionStore({ url: redis.single.url, ...bounds, logger: quiet }), advance: sleep },
    { describe, it },
  );

  sessionStoreConformance(
    'RedisSessionStore on a three-master cluster',
    {
      create: async (bounds) => {
        const c = createCluster({ rootNodes: redis.cluster.urls.map((url) => ({ url })) });
        const store = await createRedisSessionStore({ cluster: c, ...bounds, logger: quiet });
        const close = store.close.bind(store);
        store.close = async () => {
          await close();
          c.destroy();
        };
        return store;
      },
      advance: sleep,
    },
    { describe, it },
  );
});
