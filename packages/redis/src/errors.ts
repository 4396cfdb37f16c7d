/** How the broker reports a Redis failure: `UNAVAILABLE`, with the Redis error as `cause` (never sent to clients). */
import { AckwireError } from '@ackwire/core';

export const REDIS_UNAVAILABLE = 'The event store (Redis) is unavailable';

export function unavailable(cause: unknown, detail = REDIS_UNAVAILABLE): AckwireError {
  return new AckwireError('UNAVAILABLE', detail, { cause });
}

/** Reject with `UNAVAILABLE` if `promise` does not settle within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(unavailable(new Error(`${what}: no answer from Redis within ${ms} ms`), `${REDIS_UNAVAILABLE}: no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(unavailable(err));
      },
    );
  });
}
