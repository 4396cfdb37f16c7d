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
  /** Receive the topic's live events. */
  listen(topic: string, onEvent: (event: BrokerEvent) => void): Promise<Listening> | Listening;
  /** Events after `from.offset` up to the head, or why they cannot be had. */
  read(topic: string, from: { epoch: string; offset: number }): Promise<ReadResult> | ReadResult;
  close?(): Promise<void> | void;
}
