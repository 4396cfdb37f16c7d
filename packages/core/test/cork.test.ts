import { describe, expect, it } from 'vitest';
import { TickCorker } from '../src/cork.js';
import { socketOf } from '../src/ws-private.js';

/** A socket that records cork and uncork calls. */
function socket(log: string[], name: string) {
  return { cork: () => log.push(`cork ${name}`), uncork: () => log.push(`uncork ${name}`) };
}

const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

describe('TickCorker', () => {
  it('corks each socket once per turn and uncorks them all on the next tick', async () => {
    const log: string[] = [];
    const a = new TickCorker(socket(log, 'a'));
    const b = new TickCorker(socket(log, 'b'));
    a.cork();
    a.cork();
    b.cork();
    a.cork();
    expect(log).toEqual(['cork a', 'cork b']);
    await nextTick();
    expect(log).toEqual(['cork a', 'cork b', 'uncork a', 'uncork b']);
    // The next turn starts over.
    b.cork();
    await nextTick();
    expect(log.slice(4)).toEqual(['cork b', 'uncork b']);
  });

  it('does nothing without a corkable socket (browsers)', async () => {
    const corker = new TickCorker(undefined);
    expect(() => corker.cork()).not.toThrow();
    await nextTick();
  });
});

describe('socketOf, the one reader of ws\'s private _socket', () => {
  it('finds the net.Socket under a ws client socket once open (fails if ws renames or drops the field)', async () => {
    const { createServer } = await import('node:http');
    const { Socket } = await import('node:net');
    const { default: WebSocket, WebSocketServer } = await import('ws');
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
    const client = new WebSocket(`ws://127.0.0.1:${(http.address() as { port: number }).port}`);
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('open', () => resolve());
        client.once('error', reject);
      });
      const socket = socketOf(client);
      expect(socket).toBeInstanceOf(Socket);
      expect(typeof socket!.cork).toBe('function');
      expect(socketOf({ readyState: 1 })).toBeUndefined(); // a browser's WebSocket has none
    } finally {
      client.terminate();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });
});

describe('flushCorked', () => {
  it('uncorks every corked socket at once; they cork again on their next write, and the tick uncorks those', async () => {
    const { flushCorked } = await import('../src/cork.js');
    const log: string[] = [];
    const a = new TickCorker(socket(log, 'a'));
    const b = new TickCorker(socket(log, 'b'));
    a.cork();
    b.cork();
    flushCorked();
    expect(log).toEqual(['cork a', 'cork b', 'uncork a', 'uncork b']);
    flushCorked();
    expect(log).toHaveLength(4);
    a.cork();
    expect(log.slice(4)).toEqual(['cork a']);
    await nextTick();
    expect(log.slice(4)).toEqual(['cork a', 'uncork a']);
  });
});
