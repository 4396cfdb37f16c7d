/**
 * Active subscriptions: (re-)subscribing from the last delivered offset on every connection, routing event
 * frames by topic, dropping duplicates, validating events, and reporting gaps.
 */
import { AckwireError, MessageType, type ServerMessage, type SubscriptionDef } from '@ackwire/core';
import { parseFromWire } from '@ackwire/core/internal';
import type { SubscribeHandlers, Subscription } from './types.js';

interface Sub {
  id: number;
  readonly def: SubscriptionDef;
  readonly input: unknown;
  readonly handlers: SubscribeHandlers<unknown>;
  /** Topic number on the current connection, once subscribed. */
  topic: number | undefined;
  epoch: string | undefined;
  /** Last offset delivered to onData (or skipped past by a gap). */
  offset: number;
  /** Established at least once. */
  started: boolean;
  /** Its subscribe frame was written on the current connection. */
  onConnection: boolean;
}

export interface SubscriptionTransport {
  send(msg: Parameters<import('./connection.js').Connection['send']>[0]): boolean;
  wake(): void;
  /** A fresh frame id (calls and subscriptions share one sequence). */
  nextId(): number;
  /** Write what waits, calls and subscriptions in the order they were made (outbox.ts). */
  flush(): void;
}

const NO_SUBS: ReadonlyMap<number, Sub> = new Map();
const NO_TOPICS: ReadonlyMap<number, Set<Sub>> = new Map();

export class SubscriptionManager {
  // Shared empty tables until the first subscribe: most clients only call. `own()` before any write.
  #byId = NO_SUBS as Map<number, Sub>;
  #byTopic = NO_TOPICS as Map<number, Set<Sub>>;
  #closedWith: AckwireError | undefined;
  /** Subscriptions whose subscribe frame is not written on the current connection, in id order, from
   * `head` on (some may have ended or been written since). */
  #waiting: Sub[] = [];
  #head = 0;
  /** Unsubscribes that could not be written for subscriptions written on the current connection (before its
   * welcome); they go right after it. Subscriptions of earlier connections ended with them. */
  #unsubscribes: number[] | undefined;

  readonly #transport: SubscriptionTransport;
  readonly #validate: boolean;
  constructor(
    transport: SubscriptionTransport,
    validate: boolean,
  ) {
    this.#transport = transport;
    this.#validate = validate;
  }

  /** Active subscriptions. */
  get size(): number {
    return this.#byId.size;
  }

  #own(): void {
    if (this.#byId !== NO_SUBS) return;
    this.#byId = new Map();
    this.#byTopic = new Map();
  }

  subscribe(def: SubscriptionDef, input: unknown, handlers: SubscribeHandlers<unknown>): Subscription {
    const sub: Sub = { id: this.#transport.nextId(), def, input, handlers, topic: undefined, epoch: undefined, offset: 0, started: false, onConnection: false };
    const stop = (() => this.#stop(sub)) as Subscription;
    Object.defineProperties(stop, {
      unsubscribe: { value: stop },
      offset: { get: () => sub.offset },
    });
    if (this.#closedWith) {
      queueMicrotask(() => handlers.onError?.(this.#closedWith!));
      return stop;
    }
    this.#own();
    this.#byId.set(sub.id, sub);
    this.#waiting.push(sub);
    this.#transport.flush();
    if (this.#byId.has(sub.id) && !sub.onConnection) this.#transport.wake();
    return stop;
  }

  /** The id of the next subscription to write on the current connection, if any. */
  nextWaiting(): number | undefined {
    for (; this.#head < this.#waiting.length; this.#head++) {
      const sub = this.#waiting[this.#head]!;
      if (this.#byId.get(sub.id) === sub && !sub.onConnection) return sub.id;
    }
    if (this.#head > 0) {
      this.#waiting = [];
      this.#head = 0;
    }
    return undefined;
  }

  /** Write the subscription `nextWaiting` named; false if the connection cannot take it now. */
  writeNext(): boolean {
    const sub = this.#waiting[this.#head]!;
    if (!this.#send(sub)) return false;
    this.#head++;
    return true;
  }

  /** Write the subscribe frame; false if not connected. An input the codec cannot write ends the subscription. */
  #send(sub: Sub): boolean {
    try {
      return (sub.onConnection = this.#transport.send({
        type: MessageType.SUBSCRIBE,
        id: sub.id,
        path: sub.def.path,
        input: sub.input,
        from: sub.epoch === undefined ? null : { epoch: sub.epoch, offset: sub.offset },
      }));
    } catch (err) {
      this.#forget(sub);
      queueMicrotask(() => sub.handlers.onError?.(err as AckwireError));
      return true;
    }
  }

  #stop(sub: Sub): void {
    if (this.#byId.get(sub.id) !== sub) return;
    this.#forget(sub);
    this.#unsubscribe(sub);
  }

  #unsubscribe(sub: Sub): void {
    if (!sub.onConnection) return; // never written on this connection: nothing to undo
    sub.onConnection = false;
    if (!this.#transport.send({ type: MessageType.UNSUBSCRIBE, id: sub.id })) (this.#unsubscribes ??= []).push(sub.id);
  }

  #forget(sub: Sub): void {
    this.#byId.delete(sub.id);
    if (sub.topic !== undefined) {
      const set = this.#byTopic.get(sub.topic);
      set?.delete(sub);
      if (set && set.size === 0) this.#byTopic.delete(sub.topic);
    }
  }

  /** A welcome: unsubscribes that waited for it go at once (the owner then writes what waits, in order). */
  opened(): void {
    const unsubscribes = this.#unsubscribes;
    this.#unsubscribes = undefined;
    if (unsubscribes) for (const id of unsubscribes) this.#transport.send({ type: MessageType.UNSUBSCRIBE, id });
  }

  /** The connection is gone: topic numbers are per connection, so every subscription starts over from its
   * offset on the next one, in id order (the table's order: ids only grow). */
  down(): void {
    this.#unsubscribes = undefined;
    this.#byTopic.clear();
    this.#waiting = [];
    this.#head = 0;
    for (const sub of this.#byId.values()) {
      sub.topic = undefined;
      sub.onConnection = false;
      this.#waiting.push(sub);
    }
  }

  frame(msg: ServerMessage): boolean {
    switch (msg.type) {
      case MessageType.EVENT:
        this.#event(msg.topic, msg.offset, msg.data);
        return true;
      case MessageType.SUBSCRIBED: {
        const sub = this.#byId.get(msg.id);
        if (!sub) return true;
        const resumed = sub.epoch !== undefined;
        sub.topic = msg.topic;
        sub.epoch = msg.epoch;
        sub.offset = msg.offset;
        this.#own();
        let set = this.#byTopic.get(msg.topic);
        if (!set) this.#byTopic.set(msg.topic, (set = new Set()));
        set.add(sub);
        sub.started = true;
        sub.handlers.onStarted?.({ recovered: msg.gap === null, reason: msg.gap ?? undefined, epoch: msg.epoch, offset: msg.offset, resumed });
        return true;
      }
      case MessageType.ERROR: {
        const sub = this.#byId.get(msg.id);
        if (!sub) return false;
        this.#forget(sub);
        sub.handlers.onError?.(new AckwireError(msg.code, msg.message, { data: msg.data ?? undefined }));
        return true;
      }
      default:
        return false;
    }
  }

  #event(topic: number, offset: number, data: unknown): void {
    const subs = this.#byTopic.get(topic);
    if (!subs) return;
    for (const sub of subs) {
      if (offset <= sub.offset) continue; // already delivered
      if (offset > sub.offset + 1) {
        // A hole in a live stream: resubscribe from the last delivered offset (under a new id).
        this.#resubscribe(sub);
        continue;
      }
      let value = data;
      if (this.#validate) {
        const checked = parseFromWire(sub.def.event, data);
        if (!checked.success) {
          sub.offset = offset;
          sub.handlers.onError?.(
            new AckwireError('PROTOCOL_ERROR', `An event of "${sub.def.path}" does not match the contract`, { data: { offset, issues: checked.error.issues } }),
          );
          continue;
        }
        value = checked.data;
      }
      sub.offset = offset;
      try {
        sub.handlers.onData(value, { offset, epoch: sub.epoch! });
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  #resubscribe(sub: Sub): void {
    this.#forget(sub);
    this.#unsubscribe(sub);
    sub.id = this.#transport.nextId();
    sub.topic = undefined;
    this.#own();
    this.#byId.set(sub.id, sub);
    this.#waiting.push(sub);
    this.#transport.flush();
  }

  closed(error: AckwireError): void {
    this.#closedWith = error;
    this.#unsubscribes = undefined;
    this.#waiting = [];
    this.#head = 0;
    for (const sub of [...this.#byId.values()]) {
      this.#forget(sub);
      sub.handlers.onError?.(error);
      sub.handlers.onComplete?.();
    }
  }
}
