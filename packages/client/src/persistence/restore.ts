/**
 * `restoreClient(contract, { url, storage })`: a client whose session and calls without an outcome live in
 * `storage`, so that they survive a reload, a crashed tab or a restarted browser or process. It loads what
 * the last client of the storage left, resumes that session, and re-sends those calls with their original
 * ids: within the server's retention window each runs exactly once, and `$recovered` has their outcomes.
 */
import type { Contract, ContractTree } from '@ackwire/core';
import { makeClient } from '../client.js';
import type { ClientOptions, WebSocketLike } from '../options.js';
import type { SocketBinding } from '../socket-events.js';
import type { Client } from '../types.js';
import { CallJournal } from './journal.js';
import { JournaledCalls, recover } from './journaled-calls.js';
import { EMPTY_STATE, type CallStorage, type StoredState } from './storage.js';

export interface PersistentClientOptions extends ClientOptions {
  /** Where the session and the calls are kept: `indexedDBStorage()` in a browser, `fileStorage()` in Node. */
  storage: CallStorage;
  /** A storage write failed: calls still go out, but may not survive a reload. Default: console.warn. */
  onStorageError?: (error: unknown) => void;
}

export async function restoreWith<T extends ContractTree>(
  contract: Contract<T>,
  options: PersistentClientOptions,
  defaultWebSocket: WebSocketLike | undefined,
  sockets: SocketBinding,
): Promise<Client<T>> {
  const { storage, onStorageError, ...clientOptions } = options;
  const reportError = onStorageError ?? ((error: unknown) => console.warn('Ackwire: the call storage failed', error));
  let state: StoredState;
  try {
    state = await storage.load();
  } catch (err) {
    // An unreadable storage (blocked, corrupt) must not keep the application from starting.
    reportError(err);
    state = EMPTY_STATE;
  }
  const journal = new CallJournal(storage, state, reportError);
  const calls = new JournaledCalls(journal, state);
  return makeClient(contract, clientOptions, defaultWebSocket, sockets, { journal, state, calls, recover: (manager) => recover(manager, contract as Contract, state, journal) });
}
