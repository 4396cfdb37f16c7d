/**
 * A connection's input, handled in order and in bounded slices. One queue is the one place where a
 * connection's frames wait, whatever they wait for:
 *
 * - the turn's slice is used up: at most SLICE_FRAMES frames (or SLICE_CHARS characters) are handled per
 *   turn of the event loop, so one connection writing thousands of frames at once (they all arrive in one
 *   read) cannot hold the process while others wait; the rest is worked off a slice per turn;
 * - a frame waits for an answer (the session store's, or the hello's welcome): the frames behind it wait
 *   until it settles, so frames take effect in the order they were read.
 *
 * While more than a slice is waiting, reading from the transport pauses, and it resumes when the backlog
 * is worked off: what one connection makes the server hold is bounded by a slice plus one read.
 */
import { currentTurn } from './event-loop-turn.js';

export const SLICE_FRAMES = 64;
export const SLICE_CHARS = 256 * 1024;

/** A frame's text or bytes, or the answer to a control frame (a WebSocket ping), run in its turn. */
export type Input = string | Uint8Array | (() => void);

export interface InputOwner {
  /** False once the connection is closed. */
  readonly alive: boolean;
  /** Act on one frame; a promise when the frames after it must wait until it settles. */
  take(data: Input): void | Promise<void>;
  /** Stop (true) or restart (false) reading from the transport. */
  pauseInput(paused: boolean): void;
  /** Handling a frame failed on the server's side. */
  failed(what: string, err: unknown): void;
}

const sizeOf = (data: Input): number => (typeof data === 'string' ? data.length : typeof data === 'function' ? 1 : data.byteLength);

/** Slots handled at the head of the backlog before it is compacted. */
const COMPACT_AT = 1024;

export class InputSlices {
  /** The turn this connection last handled frames in, and what it handled in it. */
  private turn = -1;
  private frames = 0;
  private chars = 0;
  /** Frames waiting, from `head` on, and their size. */
  private backlog: Input[] | undefined;
  private head = 0;
  private heldChars = 0;
  /** A frame is waiting for an answer. */
  private waitingFor: Promise<void> | undefined;
  private scheduled = false;
  private paused = false;

  constructor(private readonly owner: InputOwner) {}

  /** Frames waiting to be handled. */
  get held(): number {
    return this.backlog ? this.backlog.length - this.head : 0;
  }

  /** While a frame waits for an answer: settles once it has its answer (or failed). */
  get waiting(): Promise<void> | undefined {
    return this.waitingFor;
  }

  /** Characters (about bytes) of the frames waiting. */
  get heldSize(): number {
    return this.heldChars;
  }

  /** A frame arrived: handled now, or after the frames waiting before it. */
  push(data: Input): void {
    if (this.backlog || this.waitingFor) return this.hold(data);
    if (!this.spend(data)) {
      this.hold(data);
      return this.schedule();
    }
    this.run(data);
  }

  /** Stop reading until the backlog is worked off (for a bound of the owner's, such as bytes held before
   * the welcome). No-op without a backlog. */
  pause(): void {
    if (this.paused || !this.backlog) return;
    this.paused = true;
    this.owner.pauseInput(true);
  }

  /** Count a frame against this turn's slice; false when the slice is used up. The first frame of a turn
   * always fits, whatever its size. */
  private spend(data: Input): boolean {
    const turn = currentTurn();
    if (turn !== this.turn) {
      this.turn = turn;
      this.frames = 0;
      this.chars = 0;
    }
    this.chars += sizeOf(data);
    return ++this.frames === 1 || (this.frames <= SLICE_FRAMES && this.chars <= SLICE_CHARS);
  }

  private hold(data: Input): void {
    (this.backlog ??= []).push(data);
    this.heldChars += sizeOf(data);
    if (this.held > SLICE_FRAMES || this.heldChars > SLICE_CHARS) this.pause();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(drainLater, this);
  }

  /** Handle one frame; false when the frames after it must wait (it waits for an answer, or the
   * connection closed). */
  private run(data: Input): boolean {
    const pending = this.owner.take(data);
    if (!pending) return this.owner.alive;
    this.waitingFor = pending.then(
      () => {
        this.waitingFor = undefined;
        this.drain();
      },
      (err: unknown) => this.owner.failed('handling a frame failed', err),
    );
    return false;
  }

  /** @internal Work off the backlog up to this turn's slice; the rest in a later turn. */
  drain(scheduled = false): void {
    if (scheduled) this.scheduled = false;
    const backlog = this.backlog;
    if (this.waitingFor || !backlog) return;
    if (this.head >= COMPACT_AT) {
      backlog.splice(0, this.head);
      this.head = 0;
    }
    while (this.head < backlog.length) {
      if (!this.owner.alive) return this.clear();
      const data = backlog[this.head]!;
      if (!this.spend(data)) return this.schedule();
      backlog[this.head++] = '';
      this.heldChars -= sizeOf(data);
      if (!this.run(data)) return this.owner.alive ? undefined : this.clear();
    }
    this.clear();
    if (this.paused && this.owner.alive) {
      this.paused = false;
      this.owner.pauseInput(false);
    }
  }

  private clear(): void {
    this.backlog = undefined;
    this.head = 0;
    this.heldChars = 0;
  }
}

function drainLater(slices: InputSlices): void {
  slices.drain(true);
}
