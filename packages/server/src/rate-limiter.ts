/**
 * A token bucket: `burst` tokens, refilled continuously at `perSecond`. Each frame takes one token; a frame
 * that finds the bucket empty is over the limit.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** True when the frame is within the limit (and takes its token); false when over it. */
  take(): boolean {
    if (this.perSecond === Infinity) return true;
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
