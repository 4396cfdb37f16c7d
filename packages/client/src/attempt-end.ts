/**
 * What an ended connection attempt means for the application: the close event (with its kind, close-kinds.ts),
 * the count of refusals for load in a row, and, when the client gives up, the error it stops with. Whether
 * and when to retry is refusal.ts's.
 */
import { AckwireError, CloseCode } from '@ackwire/core';
import { closeKind } from './close-kinds.js';
import type { ReconnectOptions } from './options.js';
import { retryDelay, type Failure } from './refusal.js';
import type { CloseInfo } from './types.js';

/** What an ended attempt means: the close event, the refusals for load in a row, and, when the client gives
 * up, the error it stops with. */
export interface AttemptEnd {
  readonly info: CloseInfo;
  readonly refusals: number;
  readonly stop: AckwireError | undefined;
}

/** `attempt`: attempts since the last welcome; `refusals`: refusals for load in a row before this one. */
export function endOfAttempt(failure: Failure, code: number, attempt: number, refusals: number, reconnect: Readonly<ReconnectOptions>): AttemptEnd {
  // A server refusing for load is retried slowly, and after maxRefusals in a row, no more.
  refusals = failure.retry === 'slow' ? refusals + 1 : 0;
  const fatal = failure.fatal ?? (refusals >= reconnect.maxRefusals ? refusedError(failure, code, refusals) : undefined);
  const willRetry = !fatal && attempt < reconnect.maxAttempts;
  const retryInMs = willRetry ? retryDelay(failure, attempt, reconnect) : undefined;
  const { status, socketError } = failure;
  const info: CloseInfo = { code, reason: failure.reason, willRetry, retryInMs, status, socketError, kind: closeKind(code, status, socketError) };
  if (willRetry) return { info, refusals, stop: undefined };
  const last = failure.reason || `close ${code}`;
  const stop = fatal ?? new AckwireError('CONNECTION_CLOSED', `Gave up after ${attempt} attempts (last: ${last})`, { data: { closeCode: code, status, socketError } });
  return { info, refusals, stop };
}

/** What a client stops with after `reconnect.maxRefusals` refusals for load in a row. */
function refusedError(failure: Failure, code: number, refusals: number): AckwireError {
  const what = failure.reason || `Closed with code ${code}`;
  const unavailable = failure.status === 503 || code === CloseCode.TRY_AGAIN_LATER;
  return new AckwireError(unavailable ? 'UNAVAILABLE' : 'TOO_MANY_REQUESTS', `${what} (refused ${refusals} times in a row)`, {
    data: { closeCode: code, status: failure.status },
  });
}
