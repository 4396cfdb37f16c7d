/**
 * Write coalescing for Node sockets: frames written in one turn of the event loop leave in one system call
 * per socket. The first write to a socket corks it; the next tick uncorks every socket corked in this turn
 * (one `process.nextTick` for all of them). Nothing waits longer than the current turn, so latency does not
 * change, while a burst of frames costs one `writev` instead of one each, and a turn that writes to many
 * sockets (an event to many subscribers) schedules one callback, not one per socket. Where there is no
 * such socket (browsers), it does nothing. A class rather than a closure: a server holds one per connection.
 *
 * The socket under a `ws` WebSocket is found by `socketOf` (ws-private.ts, the one reader of `ws`'s private
 * fields).
 */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

type NextTick = (fn: () => void) => void;
const nextTick = (globalThis as { process?: { nextTick?: NextTick } }).process?.nextTick;

/** Corkers to uncork at the end of this turn. */
let pending: TickCorker[] = [];

/**
 * Write what every corked socket holds now, without waiting for the end of the turn: for a turn that would
 * otherwise hold everything it writes until it returns (a burst of publishes in one synchronous loop). The
 * sockets cork again on their next write.
 */
export function flushCorked(): void {
  if (pending.length > 0) uncorkAll();
}

function uncorkAll(): void {
  const list = pending;
  pending = [];
  for (let i = 0; i < list.length; i++) {
    const corker = list[i]!;
    corker.corked = false;
    try {
      corker.socket!.uncork();
    } catch (err) {
      // One socket's failure must not leave the others corked; it still surfaces, as it did on its own.
      queueMicrotask(() => {
        throw err;
      });
    }
  }
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
    if (pending.push(this) === 1) nextTick(uncorkAll);
  }
}
