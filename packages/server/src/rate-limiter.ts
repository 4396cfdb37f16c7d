/**
 * A token bucket: `burst` tokens, refilled continuously at `perSecond`; each frame takes one. A frame that
 * finds the bucket empty is `slow`: the transport stops reading from the connection until the bucket has
 * refilled (backpressure, so a fast but honest client is slowed down, not cut off). Frames that keep coming
 * anyway (a transport that cannot pause, or what was already read) may overdraw the bucket by one more
 * burst; beyond that a frame is `over` and the connection is closed.
 */
/** Shared by every bucket (a bound function per connection would cost one allocation each). */
const monotonicNow = (): number => performance.now();

export type RateVerdict = 'ok' | 'slow' | 'over';

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = monotonicNow,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(): RateVerdict {
    if (this.perSecond === Infinity) return 'ok';
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    if (this.tokens <= -this.burst) return 'over';
    this.tokens -= 1;
    return this.tokens >= 0 ? 'ok' : 'slow';
  }

  /** Milliseconds until the bucket is back to a positive balance. */
  get refillMs(): number {
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.perSecond);
  }
}
