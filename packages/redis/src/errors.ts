/** How the broker reports a Redis failure: `UNAVAILABLE`, with the Redis error as `cause` (never sent to clients). */
import { AckwireError } from '@ackwire/core';

export const REDIS_UNAVAILABLE = 'The event store (Redis) is unavailable';

export function unavailable(cause: unknown, detail = REDIS_UNAVAILABLE): AckwireError {
  return new AckwireError('UNAVAILABLE', detail, { cause });
}

/**
 * Reject with `UNAVAILABLE` (saying `detail`) if `promise` does not settle within `ms` or Redis fails it; an
 * `AckwireError` it rejects with already says what went wrong and passes through.
 */
export function within<T>(promise: Promise<T>, ms: number, what: string, detail = REDIS_UNAVAILABLE): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(unavailable(new Error(`${what}: no answer from Redis within ${ms} ms`), `${detail}: no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof AckwireError ? err : unavailable(err, detail));
      },
    );
  });
}
