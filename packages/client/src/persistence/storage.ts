/**
 * The storage seam for calls that survive a reload: a client's session, its reserved call ids, and its
 * calls that have no outcome yet. One storage holds one client's state (one tab's, one process's). The
 * browser's is IndexedDB (indexeddb.ts); Node can use a file (file-storage.ts) or anything with these two
 * methods; `memoryStorage()` is for tests and for a client re-created in the same process.
 */

/** A call without an outcome, as stored. The input is kept as the application gave it: structured-clone
 * values for IndexedDB and memory, what superjson can write for a file. */
export interface StoredCall {
  readonly id: number;
  /** The procedure's dotted path. */
  readonly path: string;
  readonly input: unknown;
  /** True once the call may have been written to a socket; false: certainly never sent. */
  readonly sent: boolean;
  /** When the application made the call (ms since the epoch). */
  readonly createdAt: number;
  /** Absolute deadline (ms since the epoch), if the call has one. */
  readonly deadline?: number | undefined;
}

export interface StoredSession {
  readonly id: string;
  readonly token: string;
}

export interface StoredState {
  readonly session: StoredSession | undefined;
  /** Every call id this storage's clients may have used is at most this. */
  readonly reserved: number;
  /** In id order. */
  readonly calls: readonly StoredCall[];
}

/** One batch of changes, applied atomically and in order: session, reserved, then put, then delete. */
export interface StorageWrite {
  session?: StoredSession | null;
  reserved?: number;
  put?: StoredCall[];
  delete?: number[];
}

export interface CallStorage {
  /** The state left by the last client of this storage (empty if none). */
  load(): Promise<StoredState> | StoredState;
  /** Apply a batch; resolves once it is durable. Batches are written one at a time, in order. */
  write(batch: StorageWrite): Promise<void> | void;
}

export const EMPTY_STATE: StoredState = Object.freeze({ session: undefined, reserved: 0, calls: Object.freeze([]) });

/** Apply a batch to a state (for storages that keep the whole state in one piece). */
export function applyWrite(state: StoredState, batch: StorageWrite): StoredState {
  const calls = new Map(state.calls.map((c) => [c.id, c]));
  for (const c of batch.put ?? []) calls.set(c.id, c);
  for (const id of batch.delete ?? []) calls.delete(id);
  return {
    session: batch.session === undefined ? state.session : (batch.session ?? undefined),
    reserved: Math.max(state.reserved, batch.reserved ?? 0),
    calls: [...calls.values()].sort((a, b) => a.id - b.id),
  };
}

/** A storage in memory: survives the client, not the process. Values are cloned both ways, as IndexedDB does. */
export function memoryStorage(): CallStorage & { readonly state: StoredState } {
  let state = EMPTY_STATE;
  return {
    get state() {
      return state;
    },
    load: () => structuredClone(state),
    write: (batch) => {
      state = applyWrite(state, structuredClone(batch));
    },
  };
}
