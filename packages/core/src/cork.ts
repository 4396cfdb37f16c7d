/**
 * Write coalescing for Node sockets: frames written in one turn of the event loop leave in one system call.
 * The first write of a turn corks the TCP socket; the next tick uncorks it. Nothing waits longer than the
 * current turn, so latency does not change, while a burst of frames costs one `writev` instead of one each.
 * Where there is no such socket (browsers), it does nothing. A class rather than a closure: a server holds
 * one per connection.
 */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

type NextTick = (fn: (corker: TickCorker) => void, corker: TickCorker) => void;
const nextTick = (globalThis as { process?: { nextTick?: NextTick } }).process?.nextTick;

function uncork(corker: TickCorker): void {
  corker.corked = false;
  corker.socket!.uncork();
}

export class TickCorker {
  /** @internal */
  corked = false;

  constructor(
    /** @internal */
    readonly socket: Corkable | undefined,
  ) {}

  /** Call before each write. */
  cork(): void {
    if (this.corked || !nextTick || !this.socket || typeof this.socket.cork !== 'function') return;
    this.corked = true;
    this.socket.cork();
    nextTick(uncork, this);
  }
}
