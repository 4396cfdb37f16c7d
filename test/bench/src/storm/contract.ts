/**
 * What workload G (the reconnect storm) runs on every system: a call that the server holds until the cut
 * (so it is in flight when the network drops), and events on two topics that every client subscribes to.
 */
import { contract, procedure, subscription } from '@ackwire/core';
import { z } from 'zod';
import { BenchEvent } from '../payload.js';

/** The two topics every client subscribes to. */
export const STORM_TOPICS = ['storm-a', 'storm-b'] as const;

/** A call's key: `<client>:<n>`, so the server can count executions per call. */
export const WorkInput = z.object({ key: z.string().max(32) });

export const stormApi = contract({
  storm: {
    work: procedure({ input: WorkInput, output: WorkInput }),
    events: subscription({ input: z.object({ topic: z.string().max(64) }), event: BenchEvent }),
  },
});

export interface StormCounters {
  /** Work calls started and not yet finished. */
  running: number;
  /** Executions of a key beyond its first (a call run twice). */
  doubled: number;
  /** Connections that completed the handshake since start (the resumed ones included). */
  connections: number;
  published: number;
}

export interface StormServer {
  readonly url: string;
  counters(): StormCounters;
  /** Publish event `seq` (its publish time `at`) on every storm topic. */
  publish(seq: number, at: number): void;
  /** Hold every work call that starts from now on until `release`. */
  hold(): void;
  release(): void;
  /** Drop every TCP connection at once, without a close frame (a network cut); returns how many. */
  cut(): number;
  close(): Promise<void>;
}

/** What a storm client reports to the load side. */
export interface StormHooks {
  /** An event of topic `topic` (0 or 1) arrived. */
  event(topic: number, event: unknown): void;
  /** The connection is back after a drop: `resumed` when the session (and its subscriptions) carried over. */
  back(resumed: boolean): void;
  /** A subscription restarted with a signalled gap (events it will not deliver). */
  gap(): void;
}

export interface StormConnection {
  /** Settles when both subscriptions are confirmed by the server. */
  started: Promise<void>;
  call(key: string): Promise<unknown>;
  close(): void;
}

export interface StormClient {
  open(url: string, hooks: StormHooks): StormConnection;
}

export type StormSystem = 'ackwire' | 'socket.io';
