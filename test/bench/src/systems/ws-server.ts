/**
 * Raw `ws`: the floor of what a WebSocket RPC costs. Calls are a plain JSON echo (`{id, input}` in,
 * `{id, output}` out, no validation); the broadcast serializes an event once and sends the same bytes to
 * every subscriber, which is the ceiling for fan-out.
 */
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { makeTimedEvent } from '../payload.js';
import { wallNow } from '../stats.js';
import { closeWss, listenLocal } from './local-http.js';
import { newCounters, type BenchServer } from './types.js';

export async function start(): Promise<BenchServer> {
  const counters = newCounters();
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  const subscribers = new Set<WebSocket>();
  wss.on('connection', (ws) => {
    counters.connections++;
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { id?: number; input?: unknown; sub?: string };
      if (msg.sub !== undefined) {
        subscribers.add(ws);
        counters.subscribers++;
        ws.send('{"subscribed":true}');
        return;
      }
      counters.calls++;
      ws.send(JSON.stringify({ id: msg.id, output: msg.input }));
    });
    ws.on('close', () => subscribers.delete(ws));
    ws.on('error', () => ws.terminate());
  });
  const port = await listenLocal(http);
  return {
    url: `ws://127.0.0.1:${port}/`,
    counters: () => ({ ...counters, open: wss.clients.size }),
    publish: (seq) => {
      counters.published++;
      const frame = Buffer.from(JSON.stringify({ event: makeTimedEvent(seq, wallNow()) }));
      for (const ws of subscribers) ws.send(frame, { binary: false });
    },
    close: () => closeWss(wss, http),
  };
}
