/**
 * The broker: where published events get their offsets, live fan-out between server processes, and the
 * recent history that resumed subscriptions replay. The in-memory broker is the default; other backends
 * implement this interface and pass the shared broker test suite.
 *
 * Rules every broker keeps:
 * - Offsets of a topic start at 1 and increase by exactly 1 per published event, within one epoch.
 * - A topic's epoch changes whenever its history is lost (a restart of an in-memory broker, say); offsets of
 *   different epochs are unrelated.
 * - `listen` delivers every event published after it resolved, in offset order.
 * - A topic whose history is lost while it is listened to is reported: `onLost` is called with the new head
 *   (a broker that cannot call it delivers the new epoch's events, whose other epoch says the same).
 *
 * `brokerConformance` (broker-conformance.ts) encodes these rules as a test suite for every backend.
 */
import type { GapReason } from '@ackwire/core';

export interface BrokerEvent {
  readonly epoch: string;
  readonly offset: number;
  readonly data: unknown;
}

export interface TopicHead {
  readonly epoch: string;
  /** Offset of the last event published to the topic; 0 when none. */
  readonly offset: number;
}

export type ReadResult =
  | { readonly events: readonly BrokerEvent[]; readonly head: TopicHead }
  | { readonly gap: GapReason; readonly head: TopicHead };

export interface Listening {
  readonly head: TopicHead;
  stop(): void;
}

export interface Broker {
  /** Append an event (already validated) to a topic. */
  publish(topic: string, data: unknown): Promise<TopicHead> | TopicHead;
  /**
   * Receive the topic's live events. `onLost` is called when the topic's history was lost while listening
   * (a shared store flushed or restarted, say): the events since the last delivered one will never come.
   * The in-memory broker never calls it; a broker shared by several processes must.
   */
  listen(topic: string, onEvent: (event: BrokerEvent) => void, onLost?: (head: TopicHead) => void): Promise<Listening> | Listening;
  /** Events after `from.offset` up to the head, or why they cannot be had. */
  read(topic: string, from: { epoch: string; offset: number }): Promise<ReadResult> | ReadResult;
  close?(): Promise<void> | void;
}
