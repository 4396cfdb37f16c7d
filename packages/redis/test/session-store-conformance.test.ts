/**
 * The session-store rules on RedisSessionStore against a real redis-server and a local three-master cluster.
 * Retention is Redis key expiry, so time passes for real (`advance` sleeps).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createCluster } from 'redis';
import { sessionStoreConformance } from '@ackwire/server';
import { createRedisSessionStore } from '@ackwire/redis';
import { skipWithoutRedis, startRedis, startRedisCluster, type RedisCluster, type RedisServer } from '../../../test/helpers/redis-server.js';

const skip = skipWithoutRedis('packages/redis/test/session-store-conformance.test.ts');
const quiet = { error: () => undefined, warn: () => undefined };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let single: RedisServer | undefined;
let cluster: RedisCluster | undefined;

beforeAll(async () => {
  if (skip) return;
  [single, cluster] = await Promise.all([startRedis(), startRedisCluster()]);
}, 60_000);

afterAll(async () => {
  await Promise.all([single?.stop(), cluster?.stop()]);
});

describe.skipIf(skip)('RedisSessionStore', () => {
  sessionStoreConformance(
    'RedisSessionStore on one redis-server',
    { create: (bounds) => createRedisSessionStore({ url: single!.url, ...bounds, logger: quiet }), advance: sleep },
    { describe, it },
  );

  sessionStoreConformance(
    'RedisSessionStore on a three-master cluster',
    {
      create: async (bounds) => {
        const c = createCluster({ rootNodes: cluster!.urls.map((url) => ({ url })) });
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
