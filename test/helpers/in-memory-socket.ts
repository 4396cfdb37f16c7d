/**
 * An in-memory WebSocket pair: the client side implements what the Ackwire client uses of the browser
 * WebSocket, the server side is a WireSocket handed to `server.accept()`. No network: for unit tests that
 * count or inspect frames.
 */
import type { AckwireServer } from '@ackwire/server';
import { fakeWireSocket, handshakeOf } from './fake-socket.js';

export interface Wire {
  /** Frames the client sent, in order. */
  readonly sent: string[];
  /** Frames the server sent, in order. */
  readonly received: string[];
}

export function inMemoryWebSocket(server: AckwireServer<any, any, any>, wire: Wire = { sent: [], received: [] }) {
  return class InMemoryWebSocket {
    static readonly wire = wire;
    readonly protocol: string;
    readyState = 0;
    onopen: ((e: unknown) => void) | null = null;
    onmessage: ((e: { data: string }) => void) | null = null;
    onclose: ((e: { code: number; reason: string }) => void) | null = null;
    onerror: ((e: unknown) => void) | null = null;
    private readonly conn: ReturnType<AckwireServer<any, any, any>['accept']>;

    constructor(_url: string, protocols: string[]) {
      this.protocol = protocols[0]!;
      const client = this;
      const socket = fakeWireSocket({
        protocol: this.protocol,
        onSend: (text) => {
          wire.received.push(text);
          queueMicrotask(() => client.onmessage?.({ data: text }));
        },
        onClose: (code, reason) => client.finish(code, reason),
      });
      this.conn = server.accept(socket, handshakeOf());
      queueMicrotask(() => {
        this.readyState = 1;
        this.onopen?.({});
      });
    }

    send(text: string): void {
      wire.sent.push(text);
      queueMicrotask(() => this.conn.message(text));
    }

    close(code = 1000, reason = ''): void {
      this.conn.closed();
      this.finish(code, reason);
    }

    private finish(code: number, reason: string): void {
      if (this.readyState === 3) return;
      this.readyState = 3;
      queueMicrotask(() => this.onclose?.({ code, reason }));
    }
  };
}
