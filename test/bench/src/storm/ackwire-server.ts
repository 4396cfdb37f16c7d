/**
 * Workload G's Ackwire server: defaults (sessions, stored outcomes, resumable subscriptions with offsets),
 * `attach`ed to a plain HTTP server whose TCP sockets the cut destroys. Only the per-address connection cap
 * is lifted (every client comes from 127.0.0.1).
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer } from '@ackwire/server';
import { attach } from '@ackwire/server/ws';
import { makeTimedEvent } from '../payload.js';
import { STORM_TOPICS, stormApi, type StormServer } from './contract.js';
import { Executions, Gate, listenStorm, trackSockets } from './tcp-cut.js';

export async function start(): Promise<StormServer> {
  const runs = new Executions();
  const gate = new Gate();
  let connections = 0;
  let published = 0;
  let errors = 0;
  const report = (level: string) => (message: string, details?: Record<string, unknown>) => {
    if (++errors <= 5) console.error(`[ackwire storm server ${level}] ${message}`, details ?? '');
  };
  const server = createServer(stormApi, {
    logger: { error: report('error'), warn: report('warn') },
    limits: { maxConnectionsPerAddress: Infinity },
    context: () => {
      connections++;
    },
    handlers: {
      storm: {
        work: async (input) => {
          runs.start(input.key);
          try {
            await gate.pass();
            return input;
          } finally {
            runs.running--;
          }
        },
        events: ({ topic }) => topic,
      },
    },
  });
  const http = createHttpServer();
  const sockets = trackSockets(http);
  attach(server, { server: http });
  const port = await listenStorm(http);
  return {
    url: `ws://127.0.0.1:${port}/`,
    counters: () => ({ running: runs.running, doubled: runs.doubled, connections, published }),
    publish(seq, at) {
      published++;
      for (const topic of STORM_TOPICS) void server.publish(stormApi.storm.events, topic, makeTimedEvent(seq, at));
    },
    hold: () => gate.hold(),
    release: () => gate.release(),
    cut: () => sockets.cut(),
    async close() {
      gate.release();
      await server.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
