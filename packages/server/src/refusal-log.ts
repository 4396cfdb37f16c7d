/**
 * One `logger.warn` line per refusal: an upgrade answered with an HTTP error (wrong path, foreign Origin,
 * no common subprotocol, a connection cap, `authenticate`), or a connection the server closed because of
 * its peer (rate limit, slow consumer, no hello in time, a contract or protocol mismatch, bad frames). Each
 * line names the reason and the remote address, so the log says why a browser only shows "reconnecting".
 *
 * Rate-limited with a token bucket, so that a flood of refused connections cannot flood the log: BURST
 * lines at once, then one per REFILL_MS. The next line after a quiet spell counts what was left out.
 */
import { CloseCode } from '@ackwire/core';
import type { Logger } from './options.js';

const BURST = 10;
const REFILL_MS = 6_000;

/** Closes that are the connection's normal life, or already logged as errors: no line. */
const NOT_REFUSALS: ReadonlySet<number> = new Set([
  CloseCode.NORMAL,
  CloseCode.GOING_AWAY,
  CloseCode.SERVICE_RESTART,
  CloseCode.SESSION_REPLACED,
  CloseCode.INTERNAL_ERROR,
]);

/** What the log says about the request or connection refused. */
export interface Peer {
  readonly remoteAddress: string | undefined;
  readonly origin?: string | undefined;
}

export class RefusalLog {
  private tokens = BURST;
  private last: number;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.last = now();
  }

  /** An upgrade request answered with `status`. */
  upgrade(status: number, reason: string, peer: Peer, path: string): void {
    const hint = status === 403 && reason === 'Origin not allowed' ? ' (allow it with the `origins` option)' : '';
    this.write(`refused a WebSocket upgrade with HTTP ${status}: ${reason}${hint}`, {
      status,
      reason,
      remoteAddress: peer.remoteAddress,
      origin: peer.origin,
      path,
    });
  }

  /** The server closed a connection with `code`. */
  closed(code: number, reason: string, peer: Peer): void {
    if (code < 4000 || NOT_REFUSALS.has(code)) return;
    this.write(`closed a connection with ${code}: ${reason}`, { code, reason, remoteAddress: peer.remoteAddress });
  }

  private write(message: string, details: Record<string, unknown>): void {
    const t = this.now();
    this.tokens = Math.min(BURST, this.tokens + (t - this.last) / REFILL_MS);
    this.last = t;
    if (this.tokens < 1) {
      this.suppressed++;
      return;
    }
    this.tokens--;
    const suppressed = this.suppressed;
    this.suppressed = 0;
    if (suppressed > 0) {
      message += ` (and ${suppressed} more refusals not logged)`;
      details.suppressed = suppressed;
    }
    try {
      this.logger.warn(message, details);
    } catch {
      // a failing logger must not break the refusal
    }
  }
}
