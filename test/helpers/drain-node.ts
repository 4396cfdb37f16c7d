/**
 * One Ackwire server on Redis (RedisBroker and RedisSessionStore), as its own process, for tests that
 * restart nodes: on SIGTERM it drains (`server.close()`), closes its store and broker, and exits 0.
 *
 *   node --import tsx test/helpers/drain-node.ts        (REDIS_URL set)
 *
 * Prints `listening <port>` once it serves on 127.0.0.1. It runs the reliability contract's handlers, and
 * counts every run of `jobs.run` and `jobs.retryable` in Redis (`INCR runs:<key>`), so that a test sees
 * the side effects of all nodes, restarted ones included. `jobs.run` with `ms` waits that long first.
 */
import { createClient } from 'redis';
import { createRedisBroker, createRedisSessionStore } from '@ackwire/redis';
import { createServer } from '@ackwire/server';
import { listen } from '@ackwire/server/ws';
import { api } from './reliability.js';

const url = process.env.REDIS_URL!;
const quiet = { error: () => undefined, warn: () => undefined };
const counter = createClient({ url });
await counter.connect();
const sessionStore = await createRedisSessionStore({ url, logger: quiet });
const broker = await createRedisBroker({ url, logger: quiet, retryMs: 100 });
const ran = async (key: string): Promise<number> => counter.incr(`runs:${key}`);
const server = createServer(api, {
  logger: quiet,
  broker,
  sessionStore,
  handlers: {
    jobs: {
      run: async ({ key, ms }) => {
        const runs = await ran(key);
        if (ms) await new Promise((r) => setTimeout(r, ms));
        return { key, runs };
      },
      retryable: async ({ key }) => ({ key, runs: await ran(key) }),
      feed: ({ topic }) => topic,
    },
  },
});
const listener = await listen(server, { port: 0, host: '127.0.0.1' });
console.log(`listening ${listener.port}`);

process.once('SIGTERM', () => {
  void (async () => {
    await server.close();
    await sessionStore.close();
    await broker.close();
    await counter.quit();
    console.log('drained');
    process.exit(0);
  })();
});
