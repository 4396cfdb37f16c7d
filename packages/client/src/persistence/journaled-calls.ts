/**
 * The calls' side of the journal (journal.ts): each call's record goes to storage before the call goes to a
 * socket, and a call that waited offline is marked as possibly sent before it is written; and the calls
 * a page left in storage become pending again, with their ids, in the client restored from it.
 */
import { AckwireError, indexOf, type Contract } from '@ackwire/core';
import type { CallManager, CallRecord, CallRecorder } from '../calls.js';
import type { CallPromise, RecoveredCall } from '../types.js';
import type { CallJournal } from './journal.js';
import type { StoredCall, StoredState } from './storage.js';

export class JournaledCalls implements CallRecorder {
  /** Calls whose record says they may have been sent. */
  private readonly recordedSent = new Set<number>();

  constructor(
    private readonly journal: CallJournal,
    state: StoredState,
  ) {
    for (const c of state.calls) if (c.sent) this.recordedSent.add(c.id);
  }

  watermarkCap(next: number): number {
    return this.journal.watermarkCap(next);
  }

  added(call: CallRecord, open: boolean): Promise<void> {
    if (open) this.recordedSent.add(call.id);
    return this.journal.added(record(call, open));
  }

  sending(call: CallRecord): Promise<void> | undefined {
    if (this.recordedSent.has(call.id)) return undefined;
    this.recordedSent.add(call.id);
    return this.journal.sending(record(call, true));
  }

  settled(id: number): void {
    this.recordedSent.delete(id);
    this.journal.settled(id);
  }

  ids(): Iterable<number> {
    return this.journal.ids();
  }
}

function record(call: CallRecord, sent: boolean): StoredCall {
  return { id: call.id, path: call.def.path, input: call.input, sent, createdAt: call.createdAt, deadline: call.deadline };
}

/** The stored calls, pending again; one whose procedure the contract no longer has fails with NOT_FOUND
 * (and its record goes). */
export function recover(calls: CallManager, contract: Contract, state: StoredState, journal: CallJournal): RecoveredCall[] {
  const byPath = indexOf(contract).byPath;
  return state.calls.map((stored) => {
    const def = byPath.get(stored.path);
    let result: CallPromise<unknown>;
    if (def?.kind === 'procedure') result = calls.restore(def, stored.id, stored.input, stored.deadline, stored.sent);
    else {
      const failed = Promise.reject(new AckwireError('NOT_FOUND', `No procedure "${stored.path}" in the contract any more`)) as CallPromise<unknown>;
      Object.assign(failed, { id: stored.id, received: failed });
      result = failed;
      journal.settled(stored.id);
    }
    // An application that does not look at what was recovered gets no unhandled rejection from it.
    result.catch(() => undefined);
    return Object.freeze({ id: stored.id, path: stored.path, input: stored.input, createdAt: stored.createdAt, wasSent: stored.sent, result });
  });
}
