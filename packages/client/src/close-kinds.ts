/**
 * Why a connection closed, in words an application can act on and show instead of a raw close code: the
 * kind of every close code of docs/protocol.md §12 (and of a refused upgrade's HTTP status). The close
 * event it goes into is attempt-end.ts's; whether and when to retry is refusal.ts's.
 */
import { CloseCode } from '@ackwire/core';

export type CloseKind =
  /** The application closed the client. */
  | 'client-closed'
  /** The connection was lost without a close frame (network down, server killed): 1006. */
  | 'network'
  /** The server is restarting or shutting down: 1001, or draining for a restart: 1012. */
  | 'server-restart'
  /** The server (or, client-side, the client) saw no traffic in time: 4408, 4504. */
  | 'timeout'
  /** Too much traffic or too many connections: back off longer. 4420. */
  | 'rate-limited'
  /** The server is at capacity: back off longer. 1013. */
  | 'unavailable'
  /** Credentials missing, refused, expired or revoked: 4401. */
  | 'unauthorized'
  /** Refused: a forbidden user, or a page of a foreign origin: 4403. */
  | 'forbidden'
  /** No Ackwire endpoint at the URL: 4404. */
  | 'not-found'
  /** Client and server cannot talk: subprotocol, version or contract differ: 4406, 4412, 4426. */
  | 'incompatible'
  /** Another tab or process resumed this session: 4410. */
  | 'replaced'
  /** A bug on one side: a bad frame, a reused id, a second hello: 4400, 4409, 4429. */
  | 'protocol-error'
  /** The server failed, or a frame was too large, or the client read too slowly: 4500, 1009, 4509. */
  | 'server-error'
  /** Any other code. */
  | 'other';

const KINDS: Readonly<Record<number, CloseKind>> = {
  [CloseCode.NORMAL]: 'client-closed',
  [CloseCode.GOING_AWAY]: 'server-restart',
  [CloseCode.SERVICE_RESTART]: 'server-restart',
  1006: 'network',
  [CloseCode.MESSAGE_TOO_BIG]: 'server-error',
  [CloseCode.TRY_AGAIN_LATER]: 'unavailable',
  [CloseCode.BAD_MESSAGE]: 'protocol-error',
  [CloseCode.UNAUTHORIZED]: 'unauthorized',
  [CloseCode.FORBIDDEN]: 'forbidden',
  [CloseCode.NOT_FOUND]: 'not-found',
  [CloseCode.SUBPROTOCOL_MISMATCH]: 'incompatible',
  [CloseCode.HELLO_TIMEOUT]: 'timeout',
  [CloseCode.DUPLICATE_ID]: 'protocol-error',
  [CloseCode.SESSION_REPLACED]: 'replaced',
  [CloseCode.CONTRACT_MISMATCH]: 'incompatible',
  [CloseCode.RATE_LIMITED]: 'rate-limited',
  [CloseCode.VERSION_MISMATCH]: 'incompatible',
  [CloseCode.TOO_MANY_HELLOS]: 'protocol-error',
  [CloseCode.INTERNAL_ERROR]: 'server-error',
  [CloseCode.PEER_TIMEOUT]: 'timeout',
  [CloseCode.SLOW_CONSUMER]: 'server-error',
};

/** What an HTTP status of a refused upgrade means (Node sees it; browsers are told in band instead). */
const STATUS_KINDS: Readonly<Record<number, CloseKind>> = {
  400: 'incompatible',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  429: 'rate-limited',
  503: 'unavailable',
};

/**
 * The kind of a close: by the refused upgrade's HTTP status when there is one, else a socket error means
 * the network, else by the close code. A 1000 from the server is an orderly close by it (`'other'`).
 */
export function closeKind(code: number, status?: number, socketError?: string): CloseKind {
  if (status !== undefined) return STATUS_KINDS[status] ?? (status >= 500 ? 'server-error' : 'other');
  if (socketError !== undefined) return 'network';
  if (code === CloseCode.NORMAL) return 'other';
  return KINDS[code] ?? 'other';
}
