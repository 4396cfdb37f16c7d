/**
 * The broker rules on RedisBroker against a real redis-server (with sharded and with plain pub/sub), and
 * against a local three-master cluster.
 * Losing history is FLUSHALL (on every master of the cluster).
 */
import { describe, it } from 'vitest';
import { createCluster } from 'redis';
import type { Broker } from '@ackwire/server';
import { brokerConformance } from '@ackwire/server/testing';
import { createRedisBroker, type RedisBroker } from '@ackwire/redis';
import { redisForFile } from '../../../test/helpers/redis-for-file.js';
import { skipWithoutRedis } from '../../../test/helpers/redis-server.js';

const skip = skipWithoutRedis('packages/redis/test/broker-conformance.test.ts');
const quiet = { error: () => undefined, warn: () => undefined };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const redis = redisForFile(skip);

describe.skipIf(skip)('RedisBroker', () => {
  brokerConformance(
    'RedisBroker on one redis-server',
    {
      shared: true,
      create: (r = {}) => createRedisBroker({ url: redis.single.url, ...r, logger: quiet }),
      loseHistory: async (b) => {
        await redis.single.cli('FLUSHALL');
        return b;
      },
      advance: sleep,
    },
    { describe, it },
  );

  // What a Redis older than 7 gets: SUBSCRIBE/PUBLISH instead of the sharded commands.
  brokerConformance(
    'RedisBroker on one redis-server with plain pub/sub (sharded: false)',
    {
      shared: true,
      create: (r = {}) => createRedisBroker({ url: redis.single.url, ...r, sharded: false, logger: quiet }),
      loseHistory: async (b) => {
        await redis.single.cli('FLUSHALL');
        return b;
      },
      advance: sleep,
    },
    { describe, it },
  );

  brokerConformance(
    'RedisBroker on a three-master cluster',
    {
      shared: true,
      create: async (r = {}): Promise<Broker> => {
        const c = createCluster({ rootNodes: redis.cluster.urls.map((url) => ({ url })) });
        const b: RedisBroker = await createRedisBroker({ cluster: c, ...r, logger: quiet });
        return {
          publish: (t, d) => b.publish(t, d),
          listen: (t, e, l) => b.listen(t, e, l),
          read: (t, f) => b.read(t, f),
          close: async () => {
            await b.close();
            c.destroy();
          },
        };
      },
      loseHistory: async (b) => {
        await Promise.all(redis.cluster.nodes.map((n) => n.cli('FLUSHALL')));
        return b;
      },
      advance: sleep,
    },
    { describe, it },
  );
});

