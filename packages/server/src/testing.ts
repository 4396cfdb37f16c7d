/**
 * `@ackwire/server/testing`: the shared conformance suites that every broker and every session store must
 * pass, for the authors of a backend. They assert with `node:assert` and take `describe`/`it` from the
 * caller's test runner; kept out of the main entry so that a server's bundle and its import graph hold no
 * test code.
 */
export { brokerConformance, type BrokerUnderTest, type BrokerRetention, type ConformanceTestApi } from './broker-conformance.js';
export { sessionStoreConformance, type SessionStoreUnderTest } from './session-store-conformance.js';
