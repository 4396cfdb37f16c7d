/** The session store suite on the in-memory store, and on the same store answering late and out of order. */
import { MemorySessionStore } from '../src/memory-session-store.js';
import { DelayedSessionStore } from '../src/testing/delayed-session-store.js';
import { sessionStoreSuite } from '../src/testing/session-store-suite.js';

sessionStoreSuite('MemorySessionStore', { create: (bounds) => new MemorySessionStore(bounds), clock: 'fake' });

sessionStoreSuite('MemorySessionStore answering after random delays', {
  create: (bounds) => new DelayedSessionStore(new MemorySessionStore(bounds)),
  clock: 'fake',
});
