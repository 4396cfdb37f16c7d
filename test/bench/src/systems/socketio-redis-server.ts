/**
 * Workload E's socket.io node: the `socket.io` system's server with socket.io's Redis Streams adapter
 * (`@socket.io/redis-streams-adapter`, its defaults) on a node-redis client, so a room spans processes.
 * Events carry their publish time.
 */
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient } from 'redis';
import { Server } from 'socket.io';
import { TOPIC, makeTimedEvent } from '../payload.js';
import { wallNow } from '../stats.js';
import { listenLocal } from './local-http.js';
import { newCounters, type BenchServer } from './types.js';

export async function start(redisUrl: string): Promise<BenchServer> {
  const counters = newCounters();
  const redis = createClient({ url: redisUrl });
  redis.on('error', (err) => console.error('[socket.io-redis server] redis', err));
  await redis.connect();
  const http = createServer();
  const io = new Server(http, { transports: ['websocket'], adapter: createAdapter(redis) });
  io.on('connection', (socket) => {
    counters.connections++;
    socket.on('echo', (input: unknown, ack: (output: unknown) => void) => {
      counters.calls++;
      ack(input);
    });
    socket.on('subscribe', (_topic: unknown, ack: () => void) => {
      void socket.join(TOPIC);
      counters.subscribers++;
      ack();
    });
  });
  const port = await listenLocal(http);
  return {
    url: `http://127.0.0.1:${port}`,
    counters: () => ({ ...counters, open: io.engine.clientsCount }),
    publish: (seq) => {
      counters.published++;
      io.to(TOPIC).emit('event', makeTimedEvent(seq, wallNow()));
    },
    close: async () => {
      await new Promise<void>((resolve) => void io.close(() => resolve()));
      redis.destroy();
    },
  };
}
