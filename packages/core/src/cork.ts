/**
 * Write coalescing for Node sockets: frames written in one turn of the event loop leave in one system call.
 * The first write of a turn corks the TCP socket; the next tick uncorks it. Nothing waits longer than the
 * current turn, so latency does not change, while a burst of frames costs one `writev` instead of one each.
 * Where there is no such socket (browsers), it does nothing.
 */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

export function tickCorker(socket: Corkable | undefined): () => void {
  const nextTick = (globalThis as { process?: { nextTick?: (fn: () => void) => void } }).process?.nextTick;
  if (!socket || typeof socket.cork !== 'function' || !nextTick) return () => undefined;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  return () => {
    if (corked) return;
    corked = true;
    socket.cork();
    nextTick(uncork);
  };
}
