/**
 * What a connection needs from the server: limits, the logger, the contract's handlers, sessions, topics,
 * guards and the credentials pipeline. Narrow on purpose: a connection cannot reach admission, listeners
 * or other connections, and a test can give it a runtime of its own.
 */
import type { SubscriptionDef } from '@ackwire/core';
import type { Credentials } from './credentials.js';
import type { GuardRunner } from './guards.js';
import type { TopicKey } from './handlers.js';
import type { HelloDeadlines } from './hello-deadlines.js';
import type { Logger, ServerLimits } from './options.js';
import type { RefusalLog } from './refusal-log.js';
import type { RegisteredProcedure, RegisteredSubscription } from './registered.js';
import type { SessionRegistry } from './session.js';
import type { TopicHub } from './topic-hub.js';

export interface ConnectionRuntime {
  readonly fingerprint: string;
  readonly limits: ServerLimits;
  readonly heartbeatMs: number;
  readonly logger: Logger;
  /** Rate-limited warnings for connections closed because of their peer. */
  readonly refusals: RefusalLog;
  readonly procedures: ReadonlyMap<string, RegisteredProcedure>;
  readonly subscriptions: ReadonlyMap<string, RegisteredSubscription>;
  readonly sessions: SessionRegistry;
  readonly hub: TopicHub;
  readonly guards: GuardRunner;
  readonly credentials: Credentials;
  readonly helloDeadlines: HelloDeadlines;
  /** The server is draining (drain.ts): no new call starts. */
  readonly draining: boolean;
  /** The broker topic of a subscription's key. */
  topicName(def: SubscriptionDef, key: TopicKey): string;
  /** The connection has closed. */
  forget(conn: object): void;
}
