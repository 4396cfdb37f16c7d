/**
 * Hello deadlines for all of a server's connections, on one timer. A connection must send its hello within
 * `helloTimeoutMs` of opening. Every deadline has the same length, so they expire in the order the
 * connections opened: a queue and one timer replace a timer per connection (a timer object and a closure,
 * set and cleared for every connection that ever opens).
 */
export interface HelloWaiter {
  /** The deadline passed. The connection closes if it has not said hello by now, and ignores it otherwise. */
  helloOverdue(): void;
}

const now = (): number => performance.now();

export class HelloDeadlines {
  private waiters: Array<HelloWaiter | undefined> = [];
  private deadlines: number[] = [];
  private head = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly timeoutMs: number) {}

  /** Start the clock for a connection that just opened. */
  add(waiter: HelloWaiter): void {
    this.waiters.push(waiter);
    this.deadlines.push(now() + this.timeoutMs);
    if (!this.timer) this.arm(this.timeoutMs);
  }

  /** Stop the timer (the server is closing). Connections still waiting are closed by the server itself. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.waiters = [];
    this.deadlines = [];
    this.head = 0;
  }

  get size(): number {
    return this.waiters.length - this.head;
  }

  private arm(delayMs: number): void {
    // At least 1 ms: a timer that fires a hair early just re-arms.
    this.timer = setTimeout(expire, Math.max(1, Math.ceil(delayMs)), this);
    this.timer.unref?.();
  }

  /** @internal */
  expire(): void {
    this.timer = undefined;
    const t = now();
    while (this.head < this.waiters.length && this.deadlines[this.head]! <= t) {
      const waiter = this.waiters[this.head]!;
      this.waiters[this.head++] = undefined; // let a closed connection go
      try {
        waiter.helloOverdue();
      } catch {
        // a connection's close does not throw; if it did, the others must still be served
      }
    }
    if (this.head === this.waiters.length) {
      this.waiters = [];
      this.deadlines = [];
      this.head = 0;
      return;
    }
    if (this.head > 1024 && this.head * 2 > this.waiters.length) {
      this.waiters = this.waiters.slice(this.head);
      this.deadlines = this.deadlines.slice(this.head);
      this.head = 0;
    }
    this.arm(this.deadlines[this.head]! - t);
  }
}

function expire(deadlines: HelloDeadlines): void {
  deadlines.expire();
}
