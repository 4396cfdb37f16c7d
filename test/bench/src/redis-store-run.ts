/**
 * What the scripts that measure the Redis session store share: a fresh redis-server (Debian's, started
 * on a random port and stopped after), a store on it and a plain node-redis client beside it for INFO and
 * MEMORY, and reading INFO commandstats.
 */
import { createRedisSessionStore, type RedisSessionStore } from '@ackwire/redis';
import { createClient } from 'redis';
import { startRedis, type RedisServer } from '../../helpers/redis-server.js';

/** What the scripts send on the plain client. */
interface Client {
  sendCommand(args: string[]): Promise<unknown>;
}

/** A result frame of the store's outcome tables, as the echo procedure's. */
export const resultFrame = (id: number): string => `[5,${id},{"key":"k${id}","runs":1}]`;

/** Run `fn` with a fresh redis-server, a store on it and a client; everything is closed after. */
export async function withRedisStore(fn: (r: { redis: RedisServer; store: RedisSessionStore; client: Client }) => Promise<void>): Promise<void> {
  const redis = await startRedis();
  try {
    const store = await createRedisSessionStore({ url: redis.url });
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      await fn({ redis, store, client });
    } finally {
      client.destroy();
      await store.close();
    }
  } finally {
    await redis.stop();
  }
}

/** INFO commandstats, by command (`evalsha`, `hset`, `config|resetstat`...): calls and microseconds. */
export function commandStats(info: string): Map<string, { calls: number; usec: number }> {
  const out = new Map<string, { calls: number; usec: number }>();
  for (const m of info.matchAll(/^cmdstat_([\w|-]+):calls=(\d+),usec=(\d+)/gm)) out.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) });
  return out;
}
