/**
 * The call journal: what the client writes to its storage so that calls survive a reload, and when. A call
 * is written to a socket only once its record is durable, and a call that waited offline only once its
 * record says it may have been sent; so after a reload, a record marked unsent was certainly never sent.
 * Call ids are reserved in blocks ahead of use, so a new page never reuses an id the server has seen. The
 * ack's watermark stays at or below the lowest id still in storage, so the server keeps every outcome a
 * reloaded page may still ask for. Changes made in one turn share one storage write.
 */
import type { CallStorage, StorageWrite, StoredCall, StoredSession, StoredState } from './storage.js';

/** Ids reserved per storage write; the next block is reserved when half of this one is used. */
const ID_BLOCK = 4096;

interface Batch {
  readonly write: StorageWrite;
  readonly done: Promise<void>;
}

export class CallJournal {
  /** Ids the server may have seen are at most this, durably. */
  private reserved: number;
  private reserving = false;
  /** Ids of calls in storage, or being written or deleted: the watermark's bound. */
  private readonly stored = new Set<number>();
  private batch: Batch | undefined;
  private tail: Promise<void> = Promise.resolve();
  /** The first id this client allocates is above it. */
  readonly firstId: number;

  constructor(
    private readonly storage: CallStorage,
    state: StoredState,
    private readonly onError: (error: unknown) => void,
  ) {
    this.firstId = state.reserved;
    this.reserved = state.reserved;
    for (const c of state.calls) this.stored.add(c.id);
    this.reserve();
  }

  /** A new call: resolves once its record is durable (or storage failed, which `onError` is told). */
  added(call: StoredCall): Promise<void> {
    this.stored.add(call.id);
    return this.enqueue((w) => (w.put ??= []).push(call));
  }

  /** A call that waited is about to be written: resolves once its record says it may have been sent. */
  sending(call: StoredCall): Promise<void> {
    return this.enqueue((w) => (w.put ??= []).push({ ...call, sent: true }));
  }

  /** The application has the call's outcome: its record goes. */
  settled(id: number): void {
    if (!this.stored.has(id)) return;
    void this.enqueue((w) => (w.delete ??= []).push(id)).then(() => this.stored.delete(id));
  }

  session(session: StoredSession): void {
    void this.enqueue((w) => (w.session = session));
  }

  /** An id was allocated: reserve the next block in time. */
  used(id: number): void {
    if (id > this.reserved - ID_BLOCK / 2) this.reserve();
  }

  /** The highest call watermark the client may send: no higher than the lowest id still in storage. */
  watermarkCap(next: number): number {
    let cap = next;
    for (const id of this.stored) if (id < cap) cap = id;
    return cap;
  }

  /** Ids of the calls in storage (or being written or deleted), in no order. */
  ids(): Iterable<number> {
    return this.stored;
  }

  private reserve(): void {
    if (this.reserving) return;
    this.reserving = true;
    const upTo = this.reserved + ID_BLOCK;
    void this.enqueue((w) => (w.reserved = upTo)).then(() => {
      this.reserved = upTo;
      this.reserving = false;
    });
  }

  /** Add to the batch of this turn; resolves when that batch is durable (or failed). */
  private enqueue(change: (w: StorageWrite) => void): Promise<void> {
    let batch = this.batch;
    if (!batch) {
      const write: StorageWrite = {};
      const done = this.tail.then(async () => {
        if (this.batch?.write === write) this.batch = undefined;
        try {
          await this.storage.write(write);
        } catch (err) {
          // Calls still go out (without surviving a reload) rather than waiting forever for a storage.
          this.onError(err);
        }
      });
      this.tail = done;
      this.batch = batch = { write, done };
    }
    change(batch.write);
    return batch.done;
  }
}
