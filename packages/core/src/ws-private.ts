/**
 * Every read of a private field of `ws`, for the server and the Node client alike, in one file. Each is
 * pinned by a test that fails when a `ws` release changes it (packages/server/test/ws-socket.test.ts,
 * packages/core/test/cork.test.ts), and each degrades to doing nothing when the field is not there:
 *
 * - `socketOf`: the net.Socket under a WebSocket (`_socket`), corked so that the frames written in one tick
 *   leave in one system call (cork.ts; workloads A and B of docs/benchmarks.md).
 * - `holdReceiver`: pausing a `ws` socket stops reads from the network, but the frames of a chunk already
 *   read (one read can hold thousands of small frames) are still parsed and emitted in the same turn. `ws`'s
 *   receiver has an option for that, `allowSynchronousEvents: false` (one event per turn), which would slow
 *   every connection; here it is switched per connection, only while its input is paused, so the rest of
 *   such a chunk is parsed a frame per turn until reading resumes (the receiver's `_allowSynchronousEvents`).
 */
import type { Corkable } from './cork.js';

/** The net.Socket under a `ws` WebSocket (its private `_socket`); undefined for a browser's WebSocket. */
export function socketOf(ws: unknown): Corkable | undefined {
  return (ws as { _socket?: Corkable } | null)?._socket;
}

interface Receiver {
  _allowSynchronousEvents?: boolean;
}

function receiverOf(ws: unknown): Receiver | undefined {
  const receiver = (ws as { _receiver?: Receiver } | null)?._receiver;
  return receiver && typeof receiver._allowSynchronousEvents === 'boolean' ? receiver : undefined;
}

/** Hold (true) or release (false) the rest of what the receiver of a `ws` WebSocket has already read. */
export function holdReceiver(ws: unknown, hold: boolean): void {
  const receiver = receiverOf(ws);
  if (receiver) receiver._allowSynchronousEvents = !hold;
}

/** Whether this `ws` WebSocket has the field holdReceiver switches (for the test that pins it). */
export function canHoldReceiver(ws: unknown): boolean {
  return receiverOf(ws) !== undefined;
}
