/**
 * Credential expiry of one connection: the instant its context stops being valid, checked on every frame
 * and by a timer, so that neither a chatty nor a silent (subscribed-only) connection outlives it.
 */

/** Longest delay setTimeout honours; a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class CredentialExpiry {
  private at = Infinity;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly onExpired: () => void) {}

  /** An expiry as ms since the epoch: nullish is never (Infinity); NaN, an invalid Date or anything that is
   * not a number or a Date has passed already (-Infinity). */
  static toMs(at: number | Date | null | undefined): number {
    if (at === null || at === undefined) return Infinity;
    const ms = typeof at === 'number' ? at : at instanceof Date ? at.getTime() : NaN;
    return Number.isNaN(ms) ? -Infinity : ms;
  }

  static passed(at: number | Date | null | undefined, now = Date.now()): boolean {
    return now >= CredentialExpiry.toMs(at);
  }

  /** Set the expiry (ms since the epoch, a Date, or nullish for never). Returns false if it has passed. */
  set(at: number | Date | null | undefined): boolean {
    this.clear();
    this.at = CredentialExpiry.toMs(at);
    if (this.expired()) return false;
    this.arm();
    return true;
  }

  expired(now = Date.now()): boolean {
    return now >= this.at;
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.at === Infinity) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.expired()) this.onExpired();
      else this.arm();
    }, Math.min(MAX_TIMER_MS, Math.max(0, this.at - Date.now())));
    this.timer.unref?.();
  }
}
