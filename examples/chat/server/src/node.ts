/**
 * One chat node of `npm run cluster`: the chat on Redis (REDIS_URL) with its broker, session store and
 * history there, on PORT (default 0, any free port). Prints `node listening <port>`. On SIGTERM it drains
 * (its clients move to the other nodes, running calls finish and are stored) and exits.
 */
import { createRedisBroker, createRedisSessionStore } from '@ackwire/redis';
import { createClient } from 'redis';
import { start } from './app.js';
import { redisHistory } from './redis-history.js';

const url = process.env.REDIS_URL;
if (!url) {
  console.error('REDIS_URL is not set (npm run cluster sets it)');
  process.exit(1);
}
const redis = createClient({ url });
await redis.connect();
const broker = await createRedisBroker({ url });
const sessionStore = await createRedisSessionStore({ url });
const app = await start({ port: Number(process.env.PORT ?? 0), chat: { broker, sessionStore, history: redisHistory(redis) } });
console.log(`node listening ${app.port}`);

process.once('SIGTERM', () => {
  void (async () => {
    await app.close();
    await sessionStore.close();
    await broker.close();
    await redis.quit();
    process.exit(0);
  })();
});
