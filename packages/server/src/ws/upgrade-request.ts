/** Reading an HTTP upgrade request and refusing one: the parts of the `ws` binding that speak HTTP. */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { applicationHeaders, parseCookies, type Handshake } from '../handshake.js';

export function destroySocket(this: Duplex): void {
  this.destroy();
}

/** Answer an upgrade request with an HTTP error: the standard reason phrase, `message` as the body. */
export function refuse(socket: Duplex, status: number, message: string, headers: Record<string, string> = {}): void {
  if (socket.destroyed) return;
  // The socket lives on while the answer is written; an error then (the peer is gone) only ends it.
  if (socket.listenerCount('error') === 0) socket.on('error', destroySocket);
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`, 'Connection: close', 'Content-Type: text/plain; charset=utf-8', `Content-Length: ${Buffer.byteLength(message)}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  socket.end(`${lines.join('\r\n')}\r\n\r\n${message}`);
}

/** The tokens of the Sec-WebSocket-Protocol header, trimmed, at most 16. */
export function offeredTokens(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  const tokens: string[] = [];
  if (!header) return tokens;
  for (let start = 0; start <= header.length && tokens.length < 16; ) {
    let end = header.indexOf(',', start);
    if (end === -1) end = header.length;
    const token = header.slice(start, end).trim();
    if (token.length > 0) tokens.push(token);
    start = end + 1;
  }
  return tokens;
}

export function handshakeFrom(req: Pick<IncomingMessage, 'url' | 'headers'> & { socket: { remoteAddress?: string | undefined } }): Handshake {
  return {
    url: req.url ?? '/',
    headers: applicationHeaders(req.headers),
    cookies: parseCookies(req.headers.cookie),
    remoteAddress: req.socket.remoteAddress ?? '',
    origin: req.headers.origin,
  };
}
