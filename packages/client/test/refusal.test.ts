import { procedure } from '@ackwire/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseRetryAfter, refused, type HandshakeRefusal } from '../src/http-refusal.js';
import { backoffDelay, classify, resendsAfterReconnect, retryDelay, type Attempt } from '../src/refusal.js';

const base: Attempt = { code: 1006, reason: '', refusal: undefined, socket: undefined, url: 'ws://h/ws', offered: ['ackwire.v1.json'] };
/** An upgrade refused with `status`, as the Node binding reads it and http-refusal.ts judges it. */
const refusal = (status: number, extra: Partial<HandshakeRefusal> = {}) =>
  refused({ status, body: '', retryAfterMs: undefined, serverSubprotocols: undefined, ...extra }, base.url, base.offered);
const options = { initialDelayMs: 100, maxDelayMs: 1000, maxAttempts: Infinity };

describe('classify', () => {
  it.each([
    [404, 'NOT_FOUND'],
    [401, 'UNAUTHORIZED'],
    [403, 'FORBIDDEN'],
    [400, 'BAD_REQUEST'],
    [301, 'CONNECTION_CLOSED'],
    [426, 'CONNECTION_CLOSED'],
  ])('HTTP %i is fatal with %s', (status, code) => {
    const f = classify({ ...base, refusal: refusal(status) });
    expect(f.retry).toBe('never');
    expect(f.fatal?.code).toBe(code);
    expect(f.fatal?.data).toMatchObject({ status });
    expect(f.status).toBe(status);
  });

  it('HTTP 400 naming the server tokens is a subprotocol mismatch naming both sides', () => {
    const f = classify({ ...base, refusal: refusal(400, { serverSubprotocols: 'ackwire.v1.superjson' }) });
    expect(f.fatal?.code).toBe('SUBPROTOCOL_MISMATCH');
    expect(f.fatal?.message).toContain('server speaks ackwire.v1.superjson, client offered ackwire.v1.json');
  });

  it.each([[429], [503]])('HTTP %i is retried slowly, with its Retry-After', (status) => {
    const f = classify({ ...base, refusal: refusal(status, { body: 'busy', retryAfterMs: 3000 }) });
    expect(f).toMatchObject({ retry: 'slow', fatal: undefined, status, retryAfterMs: 3000 });
    expect(f.reason).toContain(': busy');
  });

  it.each([[500], [502], [408]])('HTTP %i is retried with the usual backoff', (status) => {
    expect(classify({ ...base, refusal: refusal(status) })).toMatchObject({ retry: 'backoff', fatal: undefined, status });
  });

  it('a socket error explains a close without a reason; a close frame with a reason keeps it', () => {
    const socket = { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' };
    expect(classify({ ...base, socket })).toMatchObject({ retry: 'backoff', socketError: 'ECONNREFUSED', reason: socket.message });
    expect(classify({ ...base, code: 1001, reason: 'server shutting down', socket })).toMatchObject({ reason: 'server shutting down', socketError: undefined });
  });

  it('fatal close codes stop with their error; others are retried', () => {
    expect(classify({ ...base, code: 4412, reason: 'contract mismatch' }).fatal?.code).toBe('CONTRACT_MISMATCH');
    expect(classify({ ...base, code: 4401, reason: 'credentials expired' }).fatal?.code).toBe('UNAUTHORIZED');
    expect(classify({ ...base, code: 4410, reason: 'replaced' }).fatal).toMatchObject({ code: 'CONNECTION_CLOSED', data: { closeCode: 4410 } });
    expect(classify({ ...base, code: 4404, reason: 'Not Found' }).fatal?.code).toBe('NOT_FOUND');
    // Told in band (docs/protocol.md §3.1), or a connection over its message rate: retried slowly.
    expect(classify({ ...base, code: 4420, reason: 'rate' }).retry).toBe('slow');
    expect(classify({ ...base, code: 1013, reason: 'Too many connections' }).retry).toBe('slow');
    expect(classify({ ...base, code: 1006, reason: '' }).retry).toBe('backoff');
  });
});

describe('retryDelay', () => {
  const slow = classify({ ...base, refusal: refusal(429) });
  it('waits Retry-After when given, at most five minutes, and never less than the usual backoff', () => {
    const withHeader = classify({ ...base, refusal: refusal(429, { retryAfterMs: 4000 }) });
    expect(retryDelay(withHeader, 0, options, () => 0.5)).toBe(4000);
    const huge = classify({ ...base, refusal: refusal(429, { retryAfterMs: 3_600_000 }) });
    expect(retryDelay(huge, 0, options, () => 0.5)).toBe(300_000);
    const tiny = classify({ ...base, refusal: refusal(429, { retryAfterMs: 0 }) });
    expect(retryDelay(tiny, 10, options, () => 0.999)).toBe(999);
  });

  it('without Retry-After, waits from the upper half of maxDelayMs', () => {
    expect(retryDelay(slow, 0, options, () => 0)).toBe(500);
    expect(retryDelay(slow, 0, options, () => 0.999)).toBe(999);
  });

  it('a 1012 (the server drains) closing an open connection is retried after the wake jitter, not the backoff', () => {
    const restart = classify({ ...base, code: 1012, reason: 'service restart' });
    expect(restart).toMatchObject({ retry: 'soon', fatal: undefined });
    const jitter = { ...options, initialDelayMs: 5000, maxDelayMs: 10_000, wakeJitterMs: 40 };
    expect(retryDelay(restart, 0, jitter, () => 0.999)).toBe(39);
    expect(retryDelay(restart, 0, jitter, () => 0)).toBe(0);
    // A 1012 again on the next attempt (every node draining) backs off as usual.
    expect(retryDelay(restart, 1, jitter, () => 0.5)).toBe(5000);
  });

  it('everything else uses the usual backoff', () => {
    const usual = classify({ ...base });
    expect(retryDelay(usual, 0, options, () => 0.999)).toBe(99);
  });
});

it('parses Retry-After as delta-seconds or an HTTP date', () => {
  expect(parseRetryAfter('7')).toBe(7000);
  expect(parseRetryAfter(undefined)).toBeUndefined();
  expect(parseRetryAfter('soon')).toBeUndefined();
  expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
});

describe('the rest of the retry policy', () => {
  it('waits a uniform delay in [0, min(max, initial * 2^attempt)]', () => {
    const options = { initialDelayMs: 100, maxDelayMs: 1000, maxAttempts: Infinity };
    expect(backoffDelay(0, options, () => 0.999)).toBe(99);
    expect(backoffDelay(3, options, () => 0.5)).toBe(400);
    expect(backoffDelay(10, options, () => 0.999)).toBe(999);
    expect(backoffDelay(5000, options, () => 0)).toBe(0);
  });

  it('sends every call again in a resumed session, and only idempotent ones in a new session', () => {
    const plain = procedure({ input: z.void(), output: z.void() });
    const idempotent = procedure({ input: z.void(), output: z.void(), idempotent: true });
    expect(resendsAfterReconnect(plain, true)).toBe(true);
    expect(resendsAfterReconnect(idempotent, true)).toBe(true);
    expect(resendsAfterReconnect(plain, false)).toBe(false);
    expect(resendsAfterReconnect(idempotent, false)).toBe(true);
  });
});
