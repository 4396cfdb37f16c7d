/**
 * Ackwire's error type. Every error that crosses the wire or reaches application code carries one of the
 * stable codes below; `docs/protocol.md` ("Error codes") is the normative table.
 */

export const ErrorCode = {
  /** The input failed the contract's schema, or the message was malformed. `data.issues` holds the issues. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** No or invalid credentials. */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** Authenticated, but not allowed to do this. */
  FORBIDDEN: 'FORBIDDEN',
  /** No such procedure or subscription, or the handler said the thing does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** The call's deadline passed before it finished. */
  TIMEOUT: 'TIMEOUT',
  /** The caller cancelled the call. */
  CANCELLED: 'CANCELLED',
  /** The handler refused because of the state of the resource. */
  CONFLICT: 'CONFLICT',
  /** A limit was hit: calls in flight, subscriptions, message rate. */
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
  /** The message exceeded a size, length or depth limit. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** The handler threw something that is not an AckwireError, or returned an output that fails its schema. */
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  /** The server is shutting down or cannot take the call now. */
  UNAVAILABLE: 'UNAVAILABLE',
  // Client-side codes: produced by the client, never sent by a server.
  /** The client's contract does not match the server's (close code 4412). */
  CONTRACT_MISMATCH: 'CONTRACT_MISMATCH',
  /** Client and server share no subprotocol token (close code 4406 or HTTP 400). */
  SUBPROTOCOL_MISMATCH: 'SUBPROTOCOL_MISMATCH',
  /** The connection is closed for good (fatal close code, `close()` called, or attempts exhausted). */
  CONNECTION_CLOSED: 'CONNECTION_CLOSED',
  /** The call was sent, but the session holding its outcome was lost: it may or may not have run. */
  RESULT_UNKNOWN: 'RESULT_UNKNOWN',
  /** The offline outbox is full. */
  OUTBOX_FULL: 'OUTBOX_FULL',
  /** The server sent something the client could not decode or validate. */
  PROTOCOL_ERROR: 'PROTOCOL_ERROR',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Codes a server may put in an `error` frame. */
export const WIRE_ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'TIMEOUT',
  'CANCELLED',
  'CONFLICT',
  'TOO_MANY_REQUESTS',
  'PAYLOAD_TOO_LARGE',
  'INTERNAL_ERROR',
  'UNAVAILABLE',
]);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ErrorCode, value);
}

const BRAND = Symbol.for('ackwire.error');

export interface AckwireErrorOptions {
  /** Structured, JSON-safe details sent to the client (for BAD_REQUEST: `{ issues }`). */
  data?: unknown;
  cause?: unknown;
}

/**
 * Throw it from a handler to send a code and a message to the caller; catch it on the client.
 * `instanceof` works across two copies of the package (the check uses a `Symbol.for` brand).
 */
export class AckwireError extends Error {
  readonly code: ErrorCode;
  readonly data: unknown;

  constructor(code: ErrorCode, message: string = code, options: AckwireErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AckwireError';
    this.code = code;
    this.data = options.data;
  }

  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  get [BRAND](): true {
    return true;
  }

  toJSON(): { code: ErrorCode; message: string; data?: unknown } {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

export function isAckwireError(value: unknown): value is AckwireError {
  return value instanceof AckwireError;
}
