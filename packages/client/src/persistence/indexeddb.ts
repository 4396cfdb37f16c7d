/**
 * The browser's storage: IndexedDB, one slot per tab. A tab keeps its slot across reloads through
 * sessionStorage (which is per tab and survives a reload) and holds it with a Web Lock for as long as the
 * page lives, so two tabs never share a session: a duplicated tab, whose sessionStorage is a copy, finds
 * the lock taken and starts a slot of its own. A slot whose lock is free and that holds calls belongs to a
 * page that is gone (a crashed tab, a browser restart, a closed tab): a new tab without a slot adopts the
 * most recent one, so those calls run too. See docs/client.md, "Calls that survive a reload".
 */
import type { CallStorage, StorageWrite, StoredCall, StoredState } from './storage.js';
import { EMPTY_STATE } from './storage.js';

export interface IndexedDBStorageOptions {
  /** The database name's suffix: one per application (and per user, if users share a browser). Default 'default'. */
  name?: string;
}

interface SlotRecord {
  slot: string;
  session: { id: string; token: string } | undefined;
  reserved: number;
  updatedAt: number;
}

type CallRecord = StoredCall & { slot: string };

interface Locks {
  request(name: string, options: { ifAvailable: true }, callback: (lock: unknown) => Promise<void>): Promise<void>;
}

const SLOTS = 'slots';
const CALLS = 'calls';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

function openDatabase(name: string): Promise<IDBDatabase> {
  const req = indexedDB.open(`ackwire-${name}`, 1);
  req.onupgradeneeded = () => {
    const db = req.result;
    db.createObjectStore(SLOTS, { keyPath: 'slot' });
    db.createObjectStore(CALLS, { keyPath: ['slot', 'id'] }).createIndex('slot', 'slot');
  };
  return request(req);
}

/** Hold the Web Lock of a slot for the page's life; false if another page holds it. */
function holdLock(slot: string): Promise<boolean> {
  const locks = (globalThis.navigator as { locks?: Locks } | undefined)?.locks;
  // Without Web Locks (old browsers, insecure origins), sessionStorage alone keeps tabs apart, except a
  // duplicated tab.
  if (!locks) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    void locks.request(`ackwire-slot:${slot}`, { ifAvailable: true }, (lock) => {
      resolve(lock !== null);
      return lock === null ? Promise.resolve() : new Promise<void>(() => undefined);
    });
  });
}

function randomSlot(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** Pick this tab's slot: its own from before a reload, else an abandoned one with calls, else a new one. */
async function claimSlot(db: IDBDatabase, name: string): Promise<string> {
  const key = `ackwire-slot:${name}`;
  const own = globalThis.sessionStorage?.getItem(key);
  if (own && (await holdLock(own))) return own;
  // Without Web Locks nothing tells a gone page's slot from a live tab's: adopt none.
  if (!(globalThis.navigator as { locks?: Locks } | undefined)?.locks) return newSlot(key);
  const tx = db.transaction([SLOTS, CALLS], 'readonly');
  const slots = (await request(tx.objectStore(SLOTS).getAll())) as SlotRecord[];
  const withCalls = new Set(((await request(tx.objectStore(CALLS).getAll())) as CallRecord[]).map((c) => c.slot));
  for (const s of slots.filter((x) => withCalls.has(x.slot)).sort((a, b) => b.updatedAt - a.updatedAt)) {
    if (s.slot !== own && (await holdLock(s.slot))) {
      globalThis.sessionStorage?.setItem(key, s.slot);
      return s.slot;
    }
  }
  return newSlot(key);
}

async function newSlot(key: string): Promise<string> {
  let slot = randomSlot();
  while (!(await holdLock(slot))) slot = randomSlot();
  globalThis.sessionStorage?.setItem(key, slot);
  return slot;
}

/** IndexedDB storage for this tab (see the file's header). */
export function indexedDBStorage(options: IndexedDBStorageOptions = {}): CallStorage & { readonly slot: Promise<string> } {
  const name = options.name ?? 'default';
  const db = openDatabase(name);
  const slot = db.then((d) => claimSlot(d, name));
  let slotRecord: SlotRecord | undefined;
  return {
    slot,
    async load(): Promise<StoredState> {
      const d = await db;
      const s = await slot;
      const tx = d.transaction([SLOTS, CALLS], 'readonly');
      const record = (await request(tx.objectStore(SLOTS).get(s))) as SlotRecord | undefined;
      const calls = (await request(tx.objectStore(CALLS).index('slot').getAll(s))) as CallRecord[];
      slotRecord = record ?? { slot: s, session: undefined, reserved: 0, updatedAt: Date.now() };
      if (!record) return EMPTY_STATE;
      return {
        session: record.session,
        reserved: record.reserved,
        calls: calls.map(({ slot: _slot, ...call }) => call).sort((a, b) => a.id - b.id),
      };
    },
    async write(batch: StorageWrite): Promise<void> {
      const d = await db;
      const s = await slot;
      const tx = d.transaction([SLOTS, CALLS], 'readwrite');
      const current = slotRecord ?? { slot: s, session: undefined, reserved: 0, updatedAt: 0 };
      slotRecord = {
        slot: s,
        session: batch.session === undefined ? current.session : (batch.session ?? undefined),
        reserved: Math.max(current.reserved, batch.reserved ?? 0),
        updatedAt: Date.now(),
      };
      tx.objectStore(SLOTS).put(slotRecord);
      const calls = tx.objectStore(CALLS);
      for (const call of batch.put ?? []) calls.put({ ...call, slot: s });
      for (const id of batch.delete ?? []) calls.delete([s, id]);
      await done(tx);
    },
  };
}
