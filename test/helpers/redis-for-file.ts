/** Redis servers for a vitest file (kept apart from redis-server.ts, which the benchmark imports outside vitest). */
import { afterAll, beforeAll } from 'vitest';
import { startRedis, startRedisCluster, type RedisCluster, type RedisServer } from './redis-server.js';

/**
 * One redis-server and one three-master cluster for a whole test file: started before its first test (unless
 * `skip`), stopped after its last. Read `single` and `cluster` inside tests, once they are started.
 */
export function redisForFile(skip: boolean): { readonly single: RedisServer; readonly cluster: RedisCluster } {
  let single: RedisServer | undefined;
  let cluster: RedisCluster | undefined;
  beforeAll(async () => {
    if (skip) return;
    [single, cluster] = await Promise.all([startRedis(), startRedisCluster()]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([single?.stop(), cluster?.stop()]);
  });
  return {
    get single() {
      if (!single) throw new Error('redis-server is not started (read it inside a test)');
      return single;
    },
    get cluster() {
      if (!cluster) throw new Error('the Redis cluster is not started (read it inside a test)');
      return cluster;
    },
  };
}
