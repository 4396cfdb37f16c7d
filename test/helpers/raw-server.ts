/**
 * A `ws` server on 127.0.0.1 that speaks ackwire.v1 by hand: it answers hello with a welcome (built by the
 * protocol module, so it follows the current welcome layout) and pings with pongs, and lets the test answer
 * every other frame with frames it writes itself. Used to feed the real client frames that a correct server
 * would never send.
 */
import { MessageType, codecForSubprotocol, encodeServerMessage, type WelcomeMessage } from '@ackwire/core';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Frame } from './raw-client.js';

export interface RawPeer {
  readonly socket: WebSocket;
  readonly protocol: string;
  send(frame: Frame | string): void;
}

export interface RawServer {
  readonly url: string;
  /** Every frame received after hello, with the peer it came from. */
  readonly frames: Frame[];
  close(): Promise<void>;
}

export async function startRawServer(
  onFrame: (frame: Frame, peer: RawPeer) => void,
  options: { tokens?: string[]; sessionId?: string } = {},
): Promise<RawServer> {
  const tokens = options.tokens ?? ['ackwire.v1.superjson', 'ackwire.v1.json'];
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (offered) => [...offered].find((t) => tokens.includes(t)) ?? false,
  });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const frames: Frame[] = [];
  wss.on('connection', (socket) => {
    const peer: RawPeer = {
      socket,
      protocol: socket.protocol,
      send: (frame) => socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    };
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      if (frame[0] === 1) {
        const welcome = {
          type: MessageType.WELCOME,
          sessionId: options.sessionId ?? 'raw-session',
          resumeToken: 'raw-token',
          resumed: false,
          lastId: 0,
          limits: { maxInFlight: 0, maxPayload: 0 },
        } as WelcomeMessage;
        peer.send(encodeServerMessage(welcome, codecForSubprotocol(socket.protocol)!));
        return;
      }
      if (frame[0] === 14) return peer.send([15]);
      frames.push(frame);
      onFrame(frame, peer);
    });
  });
  const address = wss.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `ws://127.0.0.1:${port}`,
    frames,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}
