/**
 * Sessions of this process waiting to be resumed, bounded: at most `perAddress` per client address (the
 * address of the connection that last held the session, counted as admission counts it) and `total` in all.
 * Past either bound the session detached longest ago (of that address, or of all) is ended, as if its
 * retention window had passed: its client resumes into a new session and learns it from the welcome
 * (`resumed: false`, calls in flight fail with RESULT_UNKNOWN). Without the bound, a client that connects
 * and leaves in a loop would pin a session per connection for the whole window.
 */
export class DetachedSessions<S> {
  /** Insertion order is detach order. */
  private readonly all = new Set<S>();
  private readonly byAddress = new Map<string, Set<S>>();
  private readonly addressOf = new Map<S, string>();

  constructor(
    private readonly perAddress: number,
    private readonly total: number,
    private readonly evict: (session: S) => void,
  ) {}

  get size(): number {
    return this.all.size;
  }

  add(session: S, address: string): void {
    this.all.add(session);
    this.addressOf.set(session, address);
    let mine = this.byAddress.get(address);
    if (!mine) this.byAddress.set(address, (mine = new Set()));
    mine.add(session);
    if (mine.size > this.perAddress) this.evictOldest(mine);
    if (this.all.size > this.total) this.evictOldest(this.all);
  }

  /** Resumed or ended (a session not in the set is fine). */
  delete(session: S): void {
    const address = this.addressOf.get(session);
    if (address === undefined) return;
    this.addressOf.delete(session);
    this.all.delete(session);
    const mine = this.byAddress.get(address)!;
    mine.delete(session);
    if (mine.size === 0) this.byAddress.delete(address);
  }

  private evictOldest(from: Set<S>): void {
    const oldest = from.values().next().value as S;
    this.delete(oldest);
    this.evict(oldest);
  }
}
