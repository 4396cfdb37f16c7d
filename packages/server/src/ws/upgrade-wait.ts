/**
 * An upgrade request waiting for `authenticate`: nothing else reads its socket meanwhile, so without this a
 * client that hangs up would go unnoticed (and keep its connection slot) until the hook settles. Reading
 * notices the hang-up; bytes that arrive early (a client may send its first frames right behind the
 * request) are kept, within a bound, and handed to the WebSocket with the upgrade's head.
 */
import type { Duplex } from 'node:stream';

/** Bytes kept from a client that sends before it is answered; past it the socket is dropped. */
const MAX_EARLY_BYTES = 64 * 1024;

export class UpgradeWait {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private readonly onData = (chunk: Buffer): void => {
    this.bytes += chunk.length;
    if (this.bytes > MAX_EARLY_BYTES) return void this.socket.destroy();
    this.chunks.push(chunk);
  };
  /** The client ended its side: it is gone (an upgrade socket is half-open capable, so end it here). */
  private readonly onEnd = (): void => {
    this.socket.destroy();
  };

  constructor(private readonly socket: Duplex) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
  }

  /** Stop reading; the head to upgrade with (what came with the request, then what arrived since). */
  done(head: Buffer): Buffer {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    // The socket keeps flowing: the WebSocket adds its own listener in this same turn, before any more data.
    if (this.chunks.length === 0) return head;
    const all = Buffer.concat([head, ...this.chunks]);
    this.chunks = [];
    return all;
  }
}
