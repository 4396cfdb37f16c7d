/**
 * A server's internal state (sessions, connections, admission), for tests that check what the public API
 * does not show: that a session was dropped, a slot given back, a slow consumer closed.
 */
import { runtimeOf } from '../../packages/server/src/runtime.js';

export const internals = runtimeOf;
