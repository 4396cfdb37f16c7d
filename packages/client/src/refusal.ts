/**
 * Why a connection attempt ended, and what the client does next: the retry policy. The causes a client can
 * see: the HTTP status of a refused upgrade with the server's reason (its response body; http-refusal.ts
 * says what each means, in Node only), an error of the socket itself (`ECONNREFUSED`, `ENOTFOUND`), or a
 * close code. Each becomes one `Failure`:
 *
 * - fatal: a configuration error that no retry can fix (a wrong path: 404; refused credentials: 401, 403;
 *   a bad request: 400; any other 3xx or 4xx; a fatal close code). The client stops with an error.
 * - slow: the server is refusing for now (429, 503, or told in band: close 4420, 1013). Retried after a
 *   longer wait (Retry-After when given); the connection stops after `maxRefusals` of them in a row.
 * - soon: the server is draining for a restart (close 1012): reconnect at once, after a small jitter
 *   (`wakeJitterMs`), so that the session resumes on another node while its calls are still running; only
 *   the first attempt after an open connection skips the backoff, so a fleet that keeps refusing is not
 *   hammered.
 * - backoff: anything else (no server yet, a network failure, a 5xx from a proxy, a dropped connection).
 *   Retried with the usual backoff; the close event says why.
 *
 * The backoff itself, and which calls are sent again once a connection opens, are here too: the whole
 * retry policy in one place.
 *
 * Transport-free: Node's `ws` tells it the status and socket error codes (node-socket-events.ts); a
 * browser sees neither and gets the close code alone.
 */
import { AckwireError, CloseCode, isFatalCloseCode, isLoadCloseCode, isRestartCloseCode, type ErrorCode, type ProcedureDef } from '@ackwire/core';
import type { ReconnectOptions } from './options.js';

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
  readonly retry: 'never' | 'slow' | 'soon' | 'backoff';
  /** Set when `retry` is `never`: what the client stops with. */
  readonly fatal: AckwireError | undefined;
  /** Retry-After, in ms. */
  readonly retryAfterMs: number | undefined;
}

/** The longest Retry-After honoured, in ms. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

const FATAL_CLOSES: Record<number, ErrorCode> = {
  [CloseCode.BAD_MESSAGE]: 'PROTOCOL_ERROR',
  [CloseCode.UNAUTHORIZED]: 'UNAUTHORIZED',
  [CloseCode.FORBIDDEN]: 'FORBIDDEN',
  [CloseCode.NOT_FOUND]: 'NOT_FOUND',
  [CloseCode.SUBPROTOCOL_MISMATCH]: 'SUBPROTOCOL_MISMATCH',
  [CloseCode.CONTRACT_MISMATCH]: 'CONTRACT_MISMATCH',
};

export interface Attempt {
  /** The close code and reason the socket reported. */
  readonly code: number;
  readonly reason: string;
  /** A refused upgrade, as the socket binding read it and what it means (http-refusal.ts, Node only). */
  readonly refusal: Failure | undefined;
  readonly socket: SocketFailure | undefined;
  /** The server's ERROR answering the hello (invalid params, with their issues), sent before its 4400. */
  readonly helloRefusal?: AckwireError | undefined;
  readonly url: string;
  readonly offered: readonly string[];
}

/** Why the attempt ended and whether to retry. */
export function classify(a: Attempt): Failure {
  if (a.refusal) return a.refusal;
  if (a.code === CloseCode.SUBPROTOCOL_MISMATCH) {
    const fatal = new AckwireError('SUBPROTOCOL_MISMATCH', `No common subprotocol: ${a.reason}; client offered ${a.offered.join(' ')}`, {
      data: { closeCode: a.code },
    });
    return failure(a.reason, 'never', fatal);
  }
  if (a.code === CloseCode.BAD_MESSAGE && a.helloRefusal) return failure(a.reason, 'never', a.helloRefusal);
  if (isFatalCloseCode(a.code)) {
    const fatal = new AckwireError(FATAL_CLOSES[a.code] ?? 'CONNECTION_CLOSED', a.reason || `Closed with code ${a.code}`, { data: { closeCode: a.code } });
    return failure(a.reason, 'never', fatal);
  }
  // A refusal for load told in band (docs/protocol.md §3.1), or a connection over its message rate.
  if (isLoadCloseCode(a.code)) return failure(a.reason, 'slow', undefined);
  // The server is draining (docs/protocol.md §12): its sessions wait in a shared store for a resume elsewhere.
  if (isRestartCloseCode(a.code)) return failure(a.reason, 'soon', undefined);
  // A socket error explains a close without a reason (1006); a close frame's own reason comes first.
  if (a.socket && !a.reason) return { ...failure(socketReason(a.socket), 'backoff', undefined), socketError: a.socket.code };
  return failure(a.reason, 'backoff', undefined);
}

export function failure(reason: string, retry: Failure['retry'], fatal: AckwireError | undefined): Failure {
  return { reason, status: undefined, socketError: undefined, retry, fatal, retryAfterMs: undefined };
}

function socketReason(s: SocketFailure): string {
  return s.message || s.code || 'connection failed';
}

/**
 * The wait before the next attempt: the usual backoff; for a server refusing for now (429, 503), its
 * Retry-After, or else a delay from the upper half of `maxDelayMs`, and never less than the usual one; for a
 * server draining (1012) that closed an open connection (`attempt` 0), a jitter in [0, `wakeJitterMs`).
 */
export function retryDelay(
  f: Failure,
  attempt: number,
  options: Pick<ReconnectOptions, 'initialDelayMs' | 'maxDelayMs'> & Partial<Pick<ReconnectOptions, 'wakeJitterMs'>>,
  random: () => number = Math.random,
): number {
  if (f.retry === 'soon' && attempt === 0) return Math.floor(random() * (options.wakeJitterMs ?? 250));
  const usual = backoffDelay(attempt, options, random);
  if (f.retry !== 'slow') return usual;
  const wait = f.retryAfterMs ?? Math.floor(options.maxDelayMs * (0.5 + random() / 2));
  return Math.max(usual, Math.min(wait, MAX_RETRY_AFTER_MS));
}

/** Exponential backoff with full jitter: uniform in [0, min(max, initial * 2^attempt)]. */
export function backoffDelay(attempt: number, options: Pick<ReconnectOptions, 'initialDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/**
 * A call that was written to a lost connection, when the next connection opens: in a resumed session it is
 * sent again with its id (the server runs each id at most once and answers a retry with the stored
 * outcome); in a new session it may or may not have run, so only an idempotent procedure is sent again,
 * and any other fails with RESULT_UNKNOWN.
 */
export function resendsAfterReconnect(def: ProcedureDef, resumed: boolean): boolean {
  return resumed || def.idempotent === true;
}
