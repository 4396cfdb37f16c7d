/** The tRPC 11 client: `createWSClient` with `ws` as its WebSocket, and `wsLink`. */
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import WebSocket from 'ws';
import { TOPIC, type Echo } from '../payload.js';
import type { AppRouter } from './trpc-server.js';
import type { BenchClient } from './types.js';

function open(url: string) {
  let opened!: () => void;
  const ready = new Promise<void>((resolve) => (opened = resolve));
  const wsClient = createWSClient({ url, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket, onOpen: () => opened() });
  const trpc = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient })] });
  return { wsClient, trpc, ready };
}

export const client: BenchClient = {
  // Requests made before the socket opens are queued and sent on open.
  async connect(url) {
    const { wsClient, trpc, ready } = open(url);
    return { ready, call: (input: Echo) => trpc.echo.query(input), close: () => wsClient.close() };
  },
  subscribe(url, onEvent) {
    const { wsClient, trpc } = open(url);
    return new Promise((resolve, reject) => {
      trpc.events.subscribe(
        { topic: TOPIC },
        {
          onStarted: () => resolve({ close: () => wsClient.close() }),
          onData: onEvent,
          onError: (err) => reject(err),
        },
      );
    });
  },
};
