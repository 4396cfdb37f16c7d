/**
 * One outgoing order for requests: calls and subscribes leave in the order the application made them (by
 * id; calls and subscriptions share one id sequence), on a first connection (behind the hello) and after a
 * resume. Each manager keeps what it has not written on the current connection in id order; this merges the
 * two. A call waiting for its journal record (persistence/journal.ts) holds back everything made after it,
 * and only that; its record being durable flushes again. A call held back by the server's in-flight limit
 * does not hold back a later subscribe (as when connected: it goes when an earlier call settles).
 */
import type { CallManager } from './calls.js';
import type { SubscriptionManager } from './subscriptions.js';

export function flushInOrder(calls: CallManager, subs: SubscriptionManager): void {
  let callsWait = false;
  for (;;) {
    const call = callsWait ? undefined : calls.nextQueued();
    const sub = subs.nextWaiting();
    if (sub !== undefined && (call === undefined || sub < call)) {
      if (!subs.writeNext()) return;
    } else if (call !== undefined) {
      const r = calls.writeNext();
      if (r === 'blocked') return;
      if (r === 'window') callsWait = true;
    } else return;
  }
}
