/** Turning what a handler did into the frame the caller gets. Internal details never leave the server. */
import { AckwireError, WIRE_ERROR_CODES, MessageType, encodeServerMessage, type Codec, type ErrorCode, type Schema } from '@ackwire/core';
import { isAsyncSchemaError, parseAsync, parseFromWire, type ParseResult } from '@ackwire/core/internal';
import type * as z from 'zod/v4/core';
import type { Logger } from './options.js';

export function errorFrame(id: number, code: ErrorCode, message: string, data: unknown, codec: Codec): string {
  return encodeServerMessage({ type: MessageType.ERROR, id, code, message, data }, codec);
}

/** The frame for a thrown value: an AckwireError as it is, anything else as a logged INTERNAL_ERROR. */
export function thrownFrame(id: number, err: unknown, codec: Codec, logger: Logger, where: string): string {
  if (err instanceof AckwireError && !WIRE_ERROR_CODES.has(err.code)) {
    // Client-side codes (RESULT_UNKNOWN, CONNECTION_CLOSED, ...) describe the client's view; a server that
    // sent one would break the client's decoder.
    logger.error(`${where}: handler threw AckwireError with the client-only code ${err.code}`, { error: err });
  } else if (err instanceof AckwireError) {
    try {
      return errorFrame(id, err.code, err.message, err.data, codec);
    } catch (encodeErr) {
      logger.error(`${where}: AckwireError data is not JSON-serializable`, { error: encodeErr });
    }
  } else {
    logger.error(`${where}: handler threw`, { error: err });
  }
  return errorFrame(id, 'INTERNAL_ERROR', 'Internal server error', null, codec);
}

/** Zod issues as sent in BAD_REQUEST data: path, message and code only. */
export function issuesOf(error: z.$ZodError): Array<{ path: Array<string | number>; message: string; code: string }> {
  return error.issues.slice(0, 100).map((issue) => ({
    path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    message: issue.message,
    code: issue.code,
  }));
}

export function badRequestFrame(id: number, error: z.$ZodError, codec: Codec, what = 'input'): string {
  return errorFrame(id, 'BAD_REQUEST', `Invalid ${what}`, { issues: issuesOf(error) }, codec);
}

/** Parse with a schema, synchronously when the schema allows it. */
export function parseWith<S extends Schema>(schema: S, value: unknown): ParseResult<z.output<S>> | Promise<ParseResult<z.output<S>>> {
  try {
    return parseFromWire(schema, value);
  } catch (err) {
    if (isAsyncSchemaError(err)) {
      return parseAsync(schema, value).then(async (r) => {
        if (r.success || value !== null) return r;
        const retry = await parseAsync(schema, undefined);
        return retry.success ? retry : r;
      });
    }
    throw err;
  }
}
