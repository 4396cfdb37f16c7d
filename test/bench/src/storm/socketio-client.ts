/**
 * Workload G's socket.io client: websocket transport, its default reconnection (delay 1 s ± 50 %, doubling),
 * and connection-state recovery as the server offers it. A socket that comes back unrecovered has lost its
 * rooms and missed events: it counts a gap and subscribes again, as an application would.
 */
import { io } from 'socket.io-client';
import { STORM_TOPICS, type StormClient } from './contract.js';

export const client: StormClient = {
  open(url, hooks) {
    const socket = io(url, { transports: ['websocket'], forceNew: true });
    let connects = 0;
    socket.on('event', (topic: string, event: unknown) => hooks.event(topic === STORM_TOPICS[0] ? 0 : 1, event));
    const started = new Promise<void>((resolve, reject) => {
      socket.on('connect', () => {
        if (++connects === 1) {
          socket.emitWithAck('subscribe').then(() => resolve(), reject);
          return;
        }
        hooks.back(socket.recovered);
        if (!socket.recovered) {
          hooks.gap();
          void socket.emitWithAck('subscribe');
        }
      });
      socket.once('connect_error', reject);
    });
    return { started, call: (key) => socket.emitWithAck('work', { key }), close: () => void socket.close() };
  },
};
