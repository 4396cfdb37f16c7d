/**
 * One wire subscription per (subscription, input) for a client, however many components use it. Each is
 * counted by its users and torn down a microtask after the last one leaves, so StrictMode's unmount and
 * immediate remount reuse it instead of unsubscribing and subscribing again. Its state is one immutable
 * snapshot, replaced on each change, for `useSyncExternalStore`. No React in this file.
 */
import type { AckwireError, ConnectionInfo, EventInfo, StartInfo, Subscription } from '@ackwire/client';
import { canonicalJson, type GapReason } from '@ackwire/core';
import type { AnyClient, AnySubscriptionCaller } from './types.js';

export type SubscriptionPhase =
  /** Not started yet: the connection is being opened, or the server has not confirmed. */
  | 'connecting'
  /** Started: events flow. */
  | 'live'
  /** The connection was lost; the subscription resumes where it was once it is back. */
  | 'recovering'
  /** The server refused or ended it with an error (see `error`). */
  | 'error'
  /** The server completed it, or the client closed. */
  | 'complete';

export interface Gap {
  /** Why events were lost: the topic's retention, or a new epoch (the server's event history is new). */
  readonly reason: GapReason | undefined;
  /** When it was reported (ms since the epoch). */
  readonly at: number;
}

export interface SubscriptionState<E> {
  readonly status: SubscriptionPhase;
  /** The last events, oldest first (at most `keep` of them). */
  readonly events: readonly E[];
  readonly last: E | undefined;
  /** Events were missed: set when a (re)start reports a gap, until `clearGap()`. */
  readonly gap: Gap | undefined;
  readonly error: AckwireError | undefined;
}

export type DataListener<E> = (event: E, info: EventInfo) => void;

const INITIAL: SubscriptionState<never> = Object.freeze({ status: 'connecting', events: Object.freeze([]), last: undefined, gap: undefined, error: undefined });

/** The state rendered on the server and before a client exists. */
export function initialState<E>(): SubscriptionState<E> {
  return INITIAL;
}

export class SharedSubscription<E = unknown> {
  private state: SubscriptionState<E> = INITIAL;
  private handle: Subscription | undefined;
  private offConnection: (() => void) | undefined;
  private readonly watchers = new Set<() => void>();
  private readonly dataListeners = new Set<DataListener<E>>();
  private users = 0;
  keep = 50;

  constructor(
    private readonly client: AnyClient,
    private readonly caller: AnySubscriptionCaller,
    private readonly input: unknown,
    private readonly forget: () => void,
  ) {}

  get snapshot(): SubscriptionState<E> {
    return this.state;
  }

  /** For `useSyncExternalStore`: returns the unsubscribe. */
  watch = (changed: () => void): (() => void) => {
    this.watchers.add(changed);
    return () => this.watchers.delete(changed);
  };

  read = (): SubscriptionState<E> => this.state;

  /** A component starts using it: the wire subscription starts with the first. */
  use(onData: DataListener<E> | undefined): () => void {
    this.users++;
    if (onData) this.dataListeners.add(onData);
    if (!this.handle) this.start();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (onData) this.dataListeners.delete(onData);
      this.users--;
      // Deferred: a StrictMode remount (or a re-render with the same key) comes back in the same turn.
      queueMicrotask(() => {
        if (this.users === 0) this.stop();
      });
    };
  }

  clearGap = (): void => {
    if (this.state.gap) this.set({ gap: undefined });
  };

  private start(): void {
    this.set({ status: 'connecting', error: undefined });
    this.offConnection = this.client.$on('connection', (info: ConnectionInfo) => {
      if (info.state !== 'open' && this.state.status === 'live') this.set({ status: 'recovering' });
    });
    this.handle = this.caller.subscribe(this.input, {
      onData: (event: E, info: EventInfo) => {
        const events = this.state.events.length >= this.keep ? [...this.state.events.slice(1 - this.keep), event] : [...this.state.events, event];
        this.set({ events, last: event });
        for (const fn of this.dataListeners) fn(event, info);
      },
      onStarted: (info: StartInfo) => {
        this.set({ status: 'live', ...(info.recovered ? {} : { gap: { reason: info.reason, at: Date.now() } }) });
      },
      onError: (error: AckwireError) => this.set({ status: 'error', error }),
      onComplete: () => this.set({ status: 'complete' }),
    });
  }

  private stop(): void {
    this.handle?.();
    this.handle = undefined;
    this.offConnection?.();
    this.offConnection = undefined;
    this.forget();
  }

  private set(change: Partial<SubscriptionState<E>>): void {
    this.state = Object.freeze({ ...this.state, ...change });
    for (const fn of this.watchers) fn();
  }
}

const registries = new WeakMap<AnySubscriptionCaller, Map<string, SharedSubscription<any>>>();

/** The shared subscription of `caller` (one client's subscription) for `input`. */
export function sharedSubscription<E>(client: AnyClient, caller: AnySubscriptionCaller, input: unknown): SharedSubscription<E> {
  let byInput = registries.get(caller);
  if (!byInput) registries.set(caller, (byInput = new Map()));
  const key = keyOf(input);
  let shared = byInput.get(key);
  if (!shared) {
    const map = byInput;
    shared = new SharedSubscription<E>(client, caller, input, () => {
      if (map.get(key) === shared) map.delete(key);
    });
    byInput.set(key, shared);
  }
  return shared as SharedSubscription<E>;
}

/** Inputs equal as JSON (whatever their keys' order) share a subscription. */
export function keyOf(input: unknown): string {
  return input === undefined ? '' : canonicalJson(input);
}
