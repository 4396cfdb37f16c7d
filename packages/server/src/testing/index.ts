/**
 * `@ackwire/server/testing`: the shared conformance suite of session stores and the asynchronous wrapper,
 * for packages that implement a store (they need vitest).
 */
export { sessionStoreSuite, type SessionStoreSuiteOptions } from './session-store-suite.js';
export { DelayedSessionStore, type DelayOptions } from './delayed-session-store.js';
