/** socket.io 4 with its defaults, websocket transport only: calls are `emitWithAck`, fan-out is a room. */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { TOPIC, makeTimedEvent } from '../payload.js';
import { wallNow } from '../stats.js';
import { listenLocal } from './local-http.js';
import { newCounters, type BenchServer } from './types.js';

export async function start(): Promise<BenchServer> {
  const counters = newCounters();
  const http = createServer();
  const io = new Server(http, { transports: ['websocket'] });
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
    close: () => new Promise<void>((resolve) => void io.close(() => resolve())),
  };
}
