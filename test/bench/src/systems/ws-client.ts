/** The raw `ws` client: a map of pending ids, nothing more. */
import WebSocket from 'ws';
import type { Echo } from '../payload.js';
import type { BenchClient } from './types.js';

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => {
      ws.off('error', reject);
      resolve(ws);
    });
    ws.once('error', reject);
  });
}

export const client: BenchClient = {
  async connect(url) {
    const ws = await open(url);
    const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
    let nextId = 0;
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { id: number; output: unknown };
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      p.resolve(msg.output);
    });
    ws.on('close', () => {
      for (const p of pending.values()) p.reject(new Error('connection closed'));
      pending.clear();
    });
    ws.on('error', () => undefined);
    return {
      ready: Promise.resolve(),
      call: (input: Echo) =>
        new Promise((resolve, reject) => {
          const id = ++nextId;
          pending.set(id, { resolve, reject });
          ws.send(JSON.stringify({ id, input }));
        }),
      close: () => ws.close(),
    };
  },
  async subscribe(url, onEvent) {
    const ws = await open(url);
    ws.on('error', () => undefined);
    return new Promise((resolve) => {
      ws.on('message', (data) => {
        const msg = JSON.parse(data.toString()) as { subscribed?: true; event?: unknown };
        if (msg.subscribed) resolve({ close: () => ws.close() });
        else onEvent(msg.event);
      });
      ws.send(JSON.stringify({ sub: 'bench' }));
    });
  },
};
