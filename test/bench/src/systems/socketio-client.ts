/**
 * socket.io-client 4, websocket transport only. `retrying` is its at-least-once mode: with `retries` and
 * `ackTimeout` set, the client queues every emit and resends it until acknowledged.
 */
import { io, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import { TOPIC, type Echo } from '../payload.js';
import type { BenchClient } from './types.js';

export function makeClient(retrying: boolean): BenchClient {
  const options: Partial<ManagerOptions & SocketOptions> = {
    transports: ['websocket'],
    // One connection per client object, as separate users would have.
    forceNew: true,
    ...(retrying ? { retries: 3, ackTimeout: 10_000 } : {}),
  };
  const open = (url: string) => {
    const socket = io(url, options);
    return new Promise<typeof socket>((resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', (err) => {
        socket.close();
        reject(err);
      });
    });
  };
  return {
    async connect(url) {
      const socket = await open(url);
      return { call: (input: Echo) => socket.emitWithAck('echo', input), close: () => void socket.close() };
    },
    async subscribe(url, onEvent) {
      const socket = await open(url);
      socket.on('event', onEvent);
      await socket.emitWithAck('subscribe', TOPIC);
      return { close: () => void socket.close() };
    },
  };
}

export const client = makeClient(false);
export const retryingClient = makeClient(true);
