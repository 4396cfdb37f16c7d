/**
 * Why a connection attempt ended, and what the client does next. The causes a client can see: the HTTP
 * status of a refused upgrade with the server's reason (its response body), an error of the socket itself
 * (`ECONNREFUSED`, `ENOTFOUND`), or a close code. Each becomes one `Failure`:
 *
 * - fatal: a configuration error that no retry can fix (a wrong path: 404; refused credentials: 401, 403;
 *   a bad request: 400; any other 3xx or 4xx; a fatal close code). The client stops with an error.
 * - slow: the server is refusing for now (429, 503). Retried after a longer wait (Retry-After when given).
 * - backoff: anything else (no server yet, a network failure, a 5xx from a proxy, a dropped connection).
 *   Retried with the usual backoff; the close event says why.
 *
 * Transport-free: Node's `ws` tells it the status and socket error codes (socket-events.ts); a browser
 * sees neither and gets the close code alone.
 */
import { AckwireError, CloseCode, isFatalCloseCode, type ErrorCode } from '@ackwire/core';
import { backoffDelay, type ReconnectOptions } from './options.js';

/** An upgrade the server answered with an HTTP response instead of 101. */
export interface HandshakeRefusal {
  readonly status: number;
  /** The server's reason: the response body, at most REASON_LENGTH characters. */
  readonly body: string;
  /** The Retry-After header, in ms. */
  readonly retryAfterMs: number | undefined;
  /** The X-Ackwire-Subprotocols header: set by an Ackwire server refusing every token offered. */
  readonly serverSubprotocols: string | undefined;
}

/** What the socket reported before it closed: an error with the system's code when there is one. */
export interface SocketFailure {
  readonly code: string | undefined;
  readonly message: string;
}

export interface Failure {
  /** For the close event: the server's close reason, or what went wrong. */
  readonly reason: string;
  /** The HTTP status of a refused upgrade. */
  readonly status: number | undefined;
  /** The socket's error code (`ECONNREFUSED`). */
  readonly socketError: string | undefined;
  readonly retry: 'never' | 'slow' | 'backoff';
  /** Set when `retry` is `never`: what the client stops with. */
  readonly fatal: AckwireError | undefined;
  /** Retry-After, in ms. */
  readonly retryAfterMs: number | undefined;
}

/** Characters of a refusal's body kept as its reason. */
export const REASON_LENGTH = 512;
/** The longest Retry-After honoured, in ms. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

const FATAL_CLOSES: Record<number, ErrorCode> = {
  [CloseCode.BAD_MESSAGE]: 'PROTOCOL_ERROR',
  [CloseCode.UNAUTHORIZED]: 'UNAUTHORIZED',
  [CloseCode.FORBIDDEN]: 'FORBIDDEN',
  [CloseCode.SUBPROTOCOL_MISMATCH]: 'SUBPROTOCOL_MISMATCH',
  [CloseCode.CONTRACT_MISMATCH]: 'CONTRACT_MISMATCH',
};

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export interface Attempt {
  /** The close code and reason the socket reported. */
  readonly code: number;
  readonly reason: string;
  readonly refusal: HandshakeRefusal | undefined;
  readonly socket: SocketFailure | undefined;
  readonly url: string;
  readonly offered: readonly string[];
}

/** Why the attempt ended and whether to retry. */
export function classify(a: Attempt): Failure {
  if (a.refusal) return refused(a.refusal, a.url, a.offered);
  if (a.code === CloseCode.SUBPROTOCOL_MISMATCH) {
    const fatal = new AckwireError('SUBPROTOCOL_MISMATCH', `No common subprotocol: ${a.reason}; client offered ${a.offered.join(' ')}`, {
      data: { closeCode: a.code },
    });
    return failure(a.reason, 'never', fatal);
  }
  if (isFatalCloseCode(a.code)) {
    const fatal = new AckwireError(FATAL_CLOSES[a.code] ?? 'CONNECTION_CLOSED', a.reason || `Closed with code ${a.code}`, { data: { closeCode: a.code } });
    return failure(a.reason, 'never', fatal);
  }
  // A socket error explains a close without a reason (1006); a close frame's own reason comes first.
  if (a.socket && !a.reason) return { ...failure(socketReason(a.socket), 'backoff', undefined), socketError: a.socket.code };
  return failure(a.reason, 'backoff', undefined);
}

function refused(r: HandshakeRefusal, url: string, offered: readonly string[]): Failure {
  const text = STATUS_TEXT[r.status];
  const said = r.body && r.body !== text ? `: ${r.body}` : '';
  const reason = `Handshake refused with HTTP ${r.status}${text ? ` (${text})` : ''}${said}`;
  const data = { status: r.status, reason: r.body };
  const stop = (code: ErrorCode, message: string): Failure => ({ ...failure(reason, 'never', new AckwireError(code, message, { data })), status: r.status });
  const s = r.status;
  if (s === 404) return stop('NOT_FOUND', `${reason}: no WebSocket endpoint at ${url}; check the URL's path`);
  if (s === 401) return stop('UNAUTHORIZED', reason);
  if (s === 403) return stop('FORBIDDEN', reason);
  if (s === 400 && r.serverSubprotocols !== undefined) {
    return stop('SUBPROTOCOL_MISMATCH', `${reason}; server speaks ${r.serverSubprotocols}, client offered ${offered.join(' ')}`);
  }
  if (s === 400) return stop('BAD_REQUEST', reason);
  if (s === 429 || s === 503) return { ...failure(reason, 'slow', undefined), status: s, retryAfterMs: r.retryAfterMs };
  if (s >= 300 && s < 500 && s !== 408) return stop('CONNECTION_CLOSED', `${reason}; is ${url} a WebSocket endpoint?`);
  return { ...failure(reason, 'backoff', undefined), status: s };
}

function failure(reason: string, retry: Failure['retry'], fatal: AckwireError | undefined): Failure {
  return { reason, status: undefined, socketError: undefined, retry, fatal, retryAfterMs: undefined };
}

function socketReason(s: SocketFailure): string {
  return s.message || s.code || 'connection failed';
}

/**
 * The wait before the next attempt: the usual backoff; for a server refusing for now (429, 503), its
 * Retry-After, or else a delay from the upper half of `maxDelayMs`, and never less than the usual one.
 */
export function retryDelay(f: Failure, attempt: number, options: ReconnectOptions, random: () => number = Math.random): number {
  const usual = backoffDelay(attempt, options, random);
  if (f.retry !== 'slow') return usual;
  const wait = f.retryAfterMs ?? Math.floor(options.maxDelayMs * (0.5 + random() / 2));
  return Math.max(usual, Math.min(wait, MAX_RETRY_AFTER_MS));
}

/** Retry-After as ms: delta-seconds, or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
