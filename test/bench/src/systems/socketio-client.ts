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
    const ready = new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (err) => {
        socket.close();
        reject(err);
      });
    });
    return { socket, ready };
  };
  return {
    // Emits made before 'connect' are buffered and sent once connected.
    async connect(url) {
      const { socket, ready } = open(url);
      return { ready, call: (input: Echo) => socket.emitWithAck('echo', input), close: () => void socket.close() };
    },
    async subscribe(url, onEvent) {
      const { socket, ready } = open(url);
      await ready;
      socket.on('event', onEvent);
      await socket.emitWithAck('subscribe', TOPIC);
      return { close: () => void socket.close() };
    },
  };
}

export const client = makeClient(false);
export const retryingClient = makeClient(true);
