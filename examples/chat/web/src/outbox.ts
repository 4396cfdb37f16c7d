/**
 * Messages this page sent, each walking through its receipts: queued (offline) or sent, received by the
 * server, stored as #id (the call's result), echoed (the room shows it: its subscription delivered it back,
 * or the history read after subscribing holds it); and the
 * messages recovered from before a reload, which walk the same way. An external store for
 * `useSyncExternalStore`: each change replaces the list.
 */
import type { Message, Room } from '@ackwire-example/chat-contract';
import type { AckwireError, CallPromise, RecoveredCall } from '@ackwire/client';
import { describeError } from './describe.js';

export type Status = 'queued' | 'sent' | 'received' | 'stored' | 'echoed' | 'failed';

export interface Outgoing {
  readonly key: number;
  readonly room: Room;
  readonly author: string;
  readonly text: string;
  readonly status: Status;
  /** The receipts so far, as shown: "sent → received by server · 12 ms → ...". */
  readonly trail: string;
  readonly message: Message | undefined;
}

export class Outbox {
  private list: readonly Outgoing[] = [];
  private readonly watchers = new Set<() => void>();
  /** When each was sent (performance.now()), for the receipts' timings. */
  private readonly started = new Map<number, number>();
  private nextKey = 0;
  /** Ids of the recovered calls tracked already (StrictMode runs effects twice). */
  private readonly recovered = new Set<number>();
  /** Ids the subscription delivered before any of our calls had them as result. */
  private readonly delivered = new Set<number>();

  watch = (changed: () => void): (() => void) => {
    this.watchers.add(changed);
    return () => this.watchers.delete(changed);
  };

  read = (): readonly Outgoing[] => this.list;

  /** Track a call of `chat.send`; `first` is its first receipt line. */
  track(call: CallPromise<Message>, room: Room, author: string, text: string, first: { status: Status; note: string }): void {
    const key = this.nextKey++;
    this.started.set(key, performance.now());
    const since = (): string => this.since(key);
    this.add({ key, room, author, text, status: first.status, trail: first.note, message: undefined });
    call.received.then(
      () => this.step(key, 'received', `received by server · ${since()}`),
      () => undefined,
    );
    call.then(
      (message) => {
        this.update(key, (o) => ({ ...o, message, status: 'stored', trail: `${o.trail} → stored as #${message.id} · ${since()}` }));
        // The room's subscription usually delivers the message before the call's result arrives.
        if (this.delivered.delete(message.id)) this.step(key, 'echoed', `echoed to #${message.room} · ${since()}`);
      },
      (error: AckwireError) => this.step(key, 'failed', `failed: ${describeError(error)}`),
    );
  }

  /** Calls of `chat.send` made before a reload. */
  recover(calls: readonly RecoveredCall[], author: string): void {
    for (const r of calls) {
      if (r.path !== 'chat.send' || this.recovered.has(r.id)) continue;
      this.recovered.add(r.id);
      const input = r.input as { room: Room; text: string };
      this.track(r.result as CallPromise<Message>, input.room, author, input.text, { status: r.wasSent ? 'sent' : 'queued', note: 'recovered after reload' });
    }
  }

  /** The room shows a message (an event, or the history): if it is one of ours, it is echoed. */
  echoed(message: Message): void {
    const mine = this.list.find((o) => o.message?.id === message.id && o.status === 'stored');
    if (mine) this.step(mine.key, 'echoed', `echoed to #${message.room} · ${this.since(mine.key)}`);
    else {
      // Other pages' messages too: a bounded set is enough, the result follows its echo closely.
      if (this.delivered.size >= 1_000) this.delivered.clear();
      this.delivered.add(message.id);
    }
  }

  /** A connection opened: what waited is on its way. */
  connected(): void {
    for (const o of this.list) if (o.status === 'queued') this.update(o.key, (x) => ({ ...x, status: 'sent' }));
  }

  get waiting(): number {
    return this.list.filter((o) => o.status === 'queued').length;
  }

  private since(key: number): string {
    return `${Math.round(performance.now() - (this.started.get(key) ?? 0))} ms`;
  }

  private step(key: number, status: Status, note: string): void {
    this.update(key, (o) => ({ ...o, status: o.status === 'echoed' && status !== 'failed' ? o.status : status, trail: `${o.trail} → ${note}` }));
  }

  private add(o: Outgoing): void {
    this.list = [...this.list, o];
    this.changed();
  }

  private update(key: number, change: (o: Outgoing) => Outgoing): void {
    this.list = this.list.map((o) => (o.key === key ? change(o) : o));
    this.changed();
  }

  private changed(): void {
    for (const fn of this.watchers) fn();
  }
}
