/**
 * What ws/ws-socket.ts relies on in `ws` beyond its public API. Each test fails when a `ws` release
 * changes it: the subclass given as `WebSocket` to the server is the class of its sockets, `emit` is how
 * it reports frames (text as a Buffer with `false`, binary with `true`), pings, pongs and the close, and
 * `_socket` (read by core's `socketOf`, ws-private.ts) is the net.Socket, which can be corked, and the receiver's
 * `_allowSynchronousEvents` (switched by core's `holdReceiver`) defers the rest of a read to one frame per turn.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { canHoldReceiver, holdReceiver, socketOf } from '@ackwire/core/internal';

class Recording extends WebSocket {
  events: Array<[string | symbol, unknown, unknown]> = [];

  override emit(event: string | symbol, a?: unknown, b?: unknown): boolean {
    this.events.push([event, a, b]);
    return super.emit(event, a, b);
  }
}

let http: Server | undefined;
let wss: WebSocketServer | undefined;
const open: WebSocket[] = [];

afterEach(async () => {
  for (const ws of open.splice(0)) ws.terminate();
  wss?.close();
  http?.closeAllConnections();
  await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
  http = undefined;
  wss = undefined;
});

async function serverSide(): Promise<{ server: Recording; client: WebSocket }> {
  http = createServer();
  wss = new WebSocketServer({ server: http, WebSocket: Recording as unknown as typeof WebSocket, clientTracking: false });
  const accepted = new Promise<Recording>((resolve) => wss!.on('connection', (ws) => resolve(ws as unknown as Recording)));
  await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', () => resolve()));
  const client = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`);
  await new Promise<void>((resolve, reject) => {
    client.once('open', () => resolve());
    client.once('error', reject);
  });
  const server = await accepted;
  open.push(client, server);
  return { server, client };
}

const until = async (check: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
};

describe('ws, as ws/ws-socket.ts uses it', () => {
  it('makes the server-side sockets with the class passed as the WebSocket option', async () => {
    const { server } = await serverSide();
    expect(server).toBeInstanceOf(Recording);
  });

  it('reports frames, pings, pongs and the close through emit with at most two arguments', async () => {
    const { server, client } = await serverSide();
    client.send('text');
    client.send(Buffer.from([1, 2, 3]));
    client.ping();
    server.ping();
    await until(() => server.events.some(([e]) => e === 'pong'), 'the pong');
    client.close(1000, 'bye');
    await until(() => server.events.some(([e]) => e === 'close'), 'the close');
    const messages = server.events.filter(([e]) => e === 'message');
    expect(messages.map(([, data, binary]) => [Buffer.isBuffer(data), String(data), binary])).toStrictEqual([
      [true, 'text', false],
      [true, '\u0001\u0002\u0003', true],
    ]);
    expect(server.events.map(([e]) => e)).toEqual(expect.arrayContaining(['ping', 'pong', 'close']));
    const close = server.events.find(([e]) => e === 'close')!;
    expect([close[1], String(close[2])]).toStrictEqual([1000, 'bye']);
  });

  it('keeps the net.Socket in the private _socket field, corkable', async () => {
    const { server } = await serverSide();
    const socket = socketOf(server);
    expect(socket).toBeInstanceOf(Socket);
    expect(typeof socket!.cork).toBe('function');
    expect(typeof socket!.uncork).toBe('function');
  });

  it('defers the rest of a read to one frame per turn while holdReceiver holds it', async () => {
    const { server, client } = await serverSide();
    expect(canHoldReceiver(server)).toBe(true);
    const perTurn: number[] = [];
    let count = 0;
    const done = new Promise<void>((resolve) => {
      server.on('message', () => {
        if (count++ > 0) return;
        holdReceiver(server, true);
        setImmediate(function tick() {
          perTurn.push(count);
          if (count < 100) return void setImmediate(tick);
          holdReceiver(server, false);
          resolve();
        });
      });
    });
    const socket = socketOf(client)!;
    socket.cork();
    for (let i = 0; i < 100; i++) client.send('x');
    socket.uncork();
    await done;
    // Without the hold all 100 would have been emitted in the turn of the first.
    expect(perTurn[0]).toBeLessThan(100);
    expect(perTurn.length).toBeGreaterThan(10);
  });
});
