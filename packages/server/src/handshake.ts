/** What the server knows about a connection from its HTTP upgrade request. */
import type { IncomingHttpHeaders } from 'node:http';

export interface Handshake {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly cookies: Readonly<Record<string, string>>;
  readonly remoteAddress: string;
  readonly origin: string | undefined;
  /** What the server's `authenticate` option returned for this request (set before the upgrade). */
  readonly auth?: unknown;
}

/** Parse a Cookie header. Malformed pairs are skipped; values are percent-decoded when that succeeds. */
/** What a request without cookies gets: one shared, frozen, prototype-less empty object. */
const NO_COOKIES: Readonly<Record<string, string>> = Object.freeze(Object.create(null) as Record<string, string>);

export function parseCookies(header: string | undefined): Record<string, string> {
  if (!header) return NO_COOKIES as Record<string, string>;
  const out: Record<string, string> = Object.create(null);
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name || name in out) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      value = decodeURIComponent(value);
    } catch {
      // keep the raw value
    }
    out[name] = value;
  }
  return out;
}

/** Headers of the WebSocket handshake itself, which mean nothing to an application. */
const HANDSHAKE_HEADERS = new Set([
  'connection',
  'upgrade',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
]);

/**
 * The request's headers without the handshake's own. A connection keeps its handshake for its whole life
 * (`$authenticate` rebuilds the context from it), so this copy lets the parser's object go.
 */
export function applicationHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const name in headers) if (!HANDSHAKE_HEADERS.has(name)) out[name] = headers[name];
  return out;
}
