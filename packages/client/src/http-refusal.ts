/**
 * What a refused upgrade means (the policy is refusal.ts's): a wrong path (404) and refused credentials
 * (401, 403), a bad request (400) and any other 3xx or 4xx are fatal; a server refusing for now (429, 503)
 * is retried slowly; anything else with the usual backoff. Only Node's `ws` shows a refusal's status, so
 * only the Node entry imports this.
 */
import { AckwireError, type ErrorCode } from '@ackwire/core';
import { failure, type Failure } from './refusal.js';

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

/** Characters of a refusal's body kept as its reason. */
export const REASON_LENGTH = 512;
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

export function refused(r: HandshakeRefusal, url: string, offered: readonly string[]): Failure {
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

/** Retry-After as ms: delta-seconds, or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
