import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { NodeWebSocket } from '../src/node-socket.js';
import { nodeSockets } from '../src/node-socket-events.js';
import type { SocketSink } from '../src/socket-events.js';

const { listen, unlisten } = nodeSockets;

/** A sink that records what it was told. */
function recorder(): SocketSink & { log: unknown[][] } {
  const log: unknown[][] = [];
  return {
    log,
    socketOpened: () => log.push(['open']),
    socketMessage: (_ws, data) => log.push(['message', Buffer.isBuffer(data) ? 'buffer' : data]),
    socketError: (_ws, failure) => log.push(['error', failure]),
    socketRefused: (_ws, refusal) => log.push(['refused', refusal]),
    socketClosed: (_ws, code, reason) => log.push(['close', code, reason]),
  };
}

let wss: WebSocketServer | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (wss ? wss.close(() => resolve()) : resolve()));
  wss = undefined;
});

/** A server that sends a text frame and a binary frame, then closes with 4000. */
async function server(): Promise<string> {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss!.once('listening', () => resolve()));
  wss.on('connection', (ws) => {
    ws.send('hello');
    ws.send(Buffer.from([1, 2]), { binary: true });
    ws.close(4000, 'bye');
  });
  return `ws://127.0.0.1:${(wss.address() as { port: number }).port}/`;
}

// `ws` as an application may pass it, and the Node entry's default (the same, with its handshake's TCP socket kept).
describe.each([
  ['ws', WebSocket],
  ['the Node entry', NodeWebSocket],
])('socket events with %s', (_name, Socket) => {
  it('reports open, text as a string, binary as bytes, and the close code and reason', async () => {
    const ws = new Socket(await server()) as unknown as globalThis.WebSocket;
    const sink = recorder();
    listen(ws, sink);
    await expect.poll(() => sink.log.at(-1)?.[0]).toBe('close');
    expect(sink.log).toStrictEqual([['open'], ['message', 'hello'], ['message', 'buffer'], ['close', 4000, 'bye']]);
  });

  it('tells the sink about an upgrade the server refuses: its status, reason and headers, then the close', async () => {
    const http = createServer();
    http.on('upgrade', (_req, socket) => {
      const body = 'Too many connections from this address';
      socket.end(`HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nRetry-After: 7\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
    try {
      const ws = new Socket(`ws://127.0.0.1:${(http.address() as { port: number }).port}/`) as unknown as globalThis.WebSocket;
      const sink = recorder();
      listen(ws, sink);
      await expect.poll(() => sink.log.at(-1)?.[0]).toBe('close');
      expect(sink.log[0]).toStrictEqual([
        'refused',
        { status: 429, body: 'Too many connections from this address', retryAfterMs: 7000, serverSubprotocols: undefined },
      ]);
      expect(sink.log.at(-1)).toStrictEqual(['close', 1006, '']);
    } finally {
      await new Promise((resolve) => http.close(resolve));
    }
  });

  it('tells the sink the system error code of a connection that is refused', async () => {
    const http = createServer();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
    const port = (http.address() as { port: number }).port;
    await new Promise((resolve) => http.close(resolve)); // nothing listens on the port now
    const ws = new Socket(`ws://127.0.0.1:${port}/`) as unknown as globalThis.WebSocket;
    const sink = recorder();
    listen(ws, sink);
    await expect.poll(() => sink.log.at(-1)?.[0]).toBe('close');
    expect(sink.log).toStrictEqual([
      ['error', { code: 'ECONNREFUSED', message: `connect ECONNREFUSED 127.0.0.1:${port}` }],
      ['close', 1006, ''],
    ]);
  });

  it('after unlisten, nothing reaches the sink and a late error is not thrown', async () => {
    const ws = new Socket(await server());
    const sink = recorder();
    listen(ws as unknown as globalThis.WebSocket, sink);
    unlisten(ws as unknown as globalThis.WebSocket);
    // `ws` throws an error event that has no listener; the one left in place swallows it.
    expect(() => ws.emit('error', new Error('late'))).not.toThrow();
    await expect.poll(() => ws.readyState).toBe(WebSocket.CLOSED);
    expect(sink.log).toStrictEqual([]);
  });
});

describe('the Node entry socket', () => {
  it("is read through ws's public events: unlisten leaves only the listeners that keep errors from being thrown", async () => {
    const ws = new NodeWebSocket(await server());
    const sink = recorder();
    listen(ws as unknown as globalThis.WebSocket, sink);
    expect([...ws.eventNames()].sort()).toStrictEqual(['close', 'error', 'message', 'open', 'unexpected-response']);
    const upgrades: number[] = [];
    ws.on('upgrade', (res) => upgrades.push(res.statusCode!));
    await expect.poll(() => sink.log.at(-1)?.[0]).toBe('close');
    expect(upgrades).toStrictEqual([101]);
    expect(sink.log).toStrictEqual([['open'], ['message', 'hello'], ['message', 'buffer'], ['close', 4000, 'bye']]);
    unlisten(ws as unknown as globalThis.WebSocket);
    expect([...ws.eventNames()].sort()).toStrictEqual(['error', 'unexpected-response', 'upgrade']);
  });
});
