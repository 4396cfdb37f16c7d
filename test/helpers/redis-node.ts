/**
 * One Ackwire server on a Redis broker, as its own process, for tests that kill a node:
 *
 *   node --import tsx test/helpers/redis-node.ts        (REDIS_URL set)
 *
 * Prints `listening <port>` once it serves on 127.0.0.1. It runs the reliability contract's handlers.
 */
import { createServer } from '@ackwire/server';
import { createRedisBroker } from '@ackwire/redis';
import { api } from './reliability.js';
import { listen } from '@ackwire/server/ws';

const quiet = { error: () => undefined, warn: () => undefined };
const broker = await createRedisBroker({ url: process.env.REDIS_URL!, logger: quiet, retryMs: 100 });
const server = createServer(api, {
  logger: quiet,
  broker,
  handlers: {
    jobs: {
      run: ({ key }) => ({ key, runs: 1 }),
      retryable: ({ key }) => ({ key, runs: 1 }),
      feed: ({ topic }) => topic,
    },
  },
});
const listener = await listen(server, { port: 0, host: '127.0.0.1' });
console.log(`listening ${listener.port}`);
