/**
 * Not a server to use: the ackwire.v1.json exchange answered by hand over raw `ws`, for workload D only. A
 * hello gets a fixed welcome and a call gets its input back, and nothing else happens: no sessions,
 * validation, limits, stored results or heartbeats. The frames it writes in one turn leave in one system
 * call (core's TickCorker, as the Ackwire server's do). With the hand-written client (ackwire-wire-client.ts)
 * on the other end, it is the least any implementation of the protocol costs, which separates the
 * protocol's price from the price of the Ackwire libraries.
 */
import { createServer } from 'node:http';
import { MessageType, PROTOCOL_VERSION } from '@ackwire/core';
import { TickCorker, socketOf } from '@ackwire/core/internal';
import { WebSocketServer } from 'ws';
import { closeWss, listenLocal } from './local-http.js';
import { newCounters, type BenchServer } from './types.js';

const SUBPROTOCOL = 'ackwire.v1.json';

export async function start(): Promise<BenchServer> {
  const counters = newCounters();
  const http = createServer();
  const wss = new WebSocketServer({ server: http, handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false) });
  let sessions = 0;
  wss.on('connection', (ws) => {
    counters.connections++;
    const corker = new TickCorker(socketOf(ws));
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as unknown[];
      corker.cork();
      if (frame[0] === MessageType.HELLO) {
        const n = ++sessions;
        // The server's welcome, its fields and about its size: session id, resume token, resumed, last id, limits.
        ws.send(`[${MessageType.WELCOME},${PROTOCOL_VERSION},"session-${n}-xxxxxxx","token-${n}-xxxxxxxxxxxxxxxxxxxxxxxx",0,0,{"maxInFlight":256,"maxPayload":1048576}]`);
      } else if (frame[0] === MessageType.CALL) {
        counters.calls++;
        ws.send(JSON.stringify([MessageType.RESULT, frame[1], frame[3]]));
      }
    });
    ws.on('error', () => ws.terminate());
  });
  const port = await listenLocal(http);
  return {
    url: `ws://127.0.0.1:${port}/`,
    counters: () => ({ ...counters, open: wss.clients.size }),
    publish: () => {
      throw new Error('wire-floor runs workload D only');
    },
    close: () => closeWss(wss, http),
  };
}
