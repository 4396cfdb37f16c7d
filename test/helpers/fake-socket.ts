/**
 * The one fake WireSocket of the test suite: records what the server sends and how it closes, with no
 * network. `strict` makes it throw when the server sends after closing or closes twice (the fuzzer's
 * checks); `onSend` and `onClose` let a test (or the in-memory WebSocket pair) act on each.
 */
import type { Handshake, WireSocket } from '@ackwire/server';

export interface FakeWireSocket extends WireSocket {
  /** Frames the server sent, as text, in order. */
  readonly sent: string[];
  /** How the server closed it (or `terminate`: 1006), once it did. */
  closed: { code: number; reason: string } | undefined;
}

export interface FakeSocketOptions {
  protocol?: string;
  maxPayload?: number;
  strict?: boolean;
  onSend?: (text: string) => void;
  onClose?: (code: number, reason: string) => void;
}

const decoder = new TextDecoder();

export function fakeWireSocket(options: FakeSocketOptions = {}): FakeWireSocket {
  const socket: FakeWireSocket = {
    protocol: options.protocol ?? 'ackwire.v1.json',
    maxPayload: options.maxPayload,
    bufferedAmount: 0,
    sent: [],
    closed: undefined,
    send(data) {
      if (options.strict && socket.closed) throw new Error('send after close');
      const text = typeof data === 'string' ? data : decoder.decode(data);
      socket.sent.push(text);
      options.onSend?.(text);
    },
    close(code, reason) {
      if (options.strict && socket.closed) throw new Error('closed twice');
      socket.closed ??= { code, reason };
      options.onClose?.(code, reason);
    },
    terminate() {
      socket.closed ??= { code: 1006, reason: '' };
      options.onClose?.(1006, '');
    },
  };
  return socket;
}

/** The handshake of an upgrade from 127.0.0.1 with no headers, cookies or origin, with `partial` over it. */
export function handshakeOf(partial: Partial<Handshake> = {}): Handshake {
  return { url: '/', headers: {}, cookies: {}, remoteAddress: '127.0.0.1', origin: undefined, ...partial };
}
