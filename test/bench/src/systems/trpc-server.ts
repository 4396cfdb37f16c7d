/** tRPC 11 over WebSockets (`applyWSSHandler`), its defaults: JSON, a zod input, async-generator subscriptions. */
import { EventEmitter, on } from 'node:events';
import { createServer } from 'node:http';
import { initTRPC } from '@trpc/server';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { WebSocketServer } from 'ws';
import { z } from 'zod';
import { BenchEvent, Echo, makeTimedEvent } from '../payload.js';
import { wallNow } from '../stats.js';
import { closeWss, listenLocal } from './local-http.js';
import { newCounters, type ServerCounters } from './types.js';

const t = initTRPC.create();

function makeRouter(counters: ServerCounters, events: EventEmitter) {
  return t.router({
    echo: t.procedure.input(Echo).query(({ input }) => {
      counters.calls++;
      return input;
    }),
    events: t.procedure.input(z.object({ topic: z.string().max(64) })).subscription(async function* ({ input, signal }) {
      const stream = on(events, input.topic, { signal });
      counters.subscribers++;
      for await (const [event] of stream) yield event as BenchEvent;
    }),
  });
}

export type AppRouter = ReturnType<typeof makeRouter>;

export async function start() {
  const counters = newCounters();
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', () => counters.connections++);
  applyWSSHandler({ wss, router: makeRouter(counters, events) });
  const port = await listenLocal(http);
  return {
    url: `ws://127.0.0.1:${port}/`,
    counters: () => ({ ...counters, open: wss.clients.size }),
    publish: (seq: number) => {
      counters.published++;
      events.emit('bench', makeTimedEvent(seq, wallNow()));
    },
    close: () => closeWss(wss, http),
  };
}
