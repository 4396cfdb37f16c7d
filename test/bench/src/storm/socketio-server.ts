/**
 * Workload G's socket.io server: websocket transport, with connection-state recovery on (its defaults: a
 * disconnected socket's id, rooms and missed room broadcasts are kept for 2 minutes). Calls are
 * `emitWithAck`, each topic a room.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { makeTimedEvent } from '../payload.js';
import { STORM_TOPICS, type StormServer } from './contract.js';
import { Executions, Gate, listenStorm, trackSockets } from './tcp-cut.js';

export async function start(): Promise<StormServer> {
  const runs = new Executions();
  const gate = new Gate();
  let connections = 0;
  let published = 0;
  const http = createServer();
  const sockets = trackSockets(http);
  const io = new Server(http, { transports: ['websocket'], connectionStateRecovery: {} });
  io.on('connection', (socket) => {
    connections++;
    socket.on('work', async (input: { key: string }, ack: (output: unknown) => void) => {
      runs.start(input.key);
      try {
        await gate.pass();
        ack(input);
      } finally {
        runs.running--;
      }
    });
    socket.on('subscribe', (ack: () => void) => {
      void socket.join([...STORM_TOPICS]);
      ack();
    });
  });
  const port = await listenStorm(http);
  return {
    url: `http://127.0.0.1:${port}`,
    counters: () => ({ running: runs.running, doubled: runs.doubled, connections, published }),
    publish(seq, at) {
      published++;
      for (const topic of STORM_TOPICS) io.to(topic).emit('event', topic, makeTimedEvent(seq, at));
    },
    hold: () => gate.hold(),
    release: () => gate.release(),
    cut: () => sockets.cut(),
    close: () =>
      new Promise<void>((resolve) => {
        gate.release();
        void io.close(() => resolve());
      }),
  };
}
