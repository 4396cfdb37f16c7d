/** The session-store rules on the in-memory store, and on the same store answering late and out of order. */
import { afterEach, beforeEach, describe, it, vi } from 'vitest';
import { DelayedSessionStore } from '../../../test/helpers/async-session-store.js';
import { MemorySessionStore } from '../src/memory-session-store.js';
import { sessionStoreConformance } from '../src/session-store-conformance.js';

// The store's retention runs on setTimeout: fake, so that the retention cases take no real time. The
// asynchronous wrapper answers after turns of the event loop (setImmediate), which stay real.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});
const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms).then(() => undefined);

sessionStoreConformance('MemorySessionStore', { create: (bounds) => new MemorySessionStore(bounds), advance }, { describe, it });

sessionStoreConformance(
  'MemorySessionStore answering after random delays',
  { create: (bounds) => new DelayedSessionStore(new MemorySessionStore(bounds)), advance },
  { describe, it },
);
