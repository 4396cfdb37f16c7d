/**
 * Subscriptions of one connection: subscribe (parse, guard, map the input to a topic, join it through the
 * topic hub), unsubscribe, and leaving every topic when the connection ends.
 */
import { CloseCode, MessageType, encodeServerMessage, type Codec, type SubscribeMessage } from '@ackwire/core';
import type { ConnectionRuntime } from './connection-runtime.js';
import type { TopicKey } from './handlers.js';
import { badRequestFrame, errorFrame, parseWith, thrownFrame } from './outcome.js';
import type { LiveSession } from './session.js';
import type { LocalTopic, TopicMember } from './topic-hub.js';
import { isPromise } from './is-promise.js';

/** What subscriptions need of their connection. */
export interface SubscriberState extends TopicMember {
  readonly runtime: ConnectionRuntime;
  readonly codec: Codec;
  readonly session: LiveSession | undefined;
  readonly ctx: unknown;
  /** Active subscriptions by id; `undefined` while the subscribe is being processed. */
  subs: Map<number, LocalTopic | undefined> | undefined;
  send(frame: string | Uint8Array): void;
  close(code: number, reason: string): void;
}


/** `next(value)` now if `value` is not a promise, else when it resolves. */
function andThen<T, R>(value: T | Promise<T>, next: (v: T) => R | Promise<R>): R | Promise<R> {
  return isPromise(value) ? value.then(next) : next(value);
}

/**
 * Parse, guard, map to a topic and join it. Every step that answers synchronously runs synchronously, so
 * with synchronous handlers and the in-memory broker the subscription is live before the next frame is read.
 */
export function subscribe(conn: SubscriberState, msg: SubscribeMessage): void {
  const { id } = msg;
  const subs = (conn.subs ??= new Map());
  if (subs.has(id)) return conn.close(CloseCode.DUPLICATE_ID, `subscription ${id} is already active`);
  const session = conn.session!;
  const runtime = conn.runtime;
  runtime.sessions.quietly('seen', runtime.sessions.store.seen(session.id, id));
  const sub = runtime.subscriptions.get(msg.path);
  if (!sub) return conn.send(errorFrame(id, 'NOT_FOUND', `No subscription "${msg.path.slice(0, 64)}"`, null, conn.codec));
  if (subs.size >= runtime.limits.maxSubscriptions) {
    return conn.send(errorFrame(id, 'TOO_MANY_REQUESTS', 'Too many subscriptions', null, conn.codec));
  }
  subs.set(id, undefined);
  const gone = (): boolean => !conn.alive || conn.subs !== subs || !subs.has(id);
  const refuse = (err: unknown): void => {
    if (gone()) return;
    conn.subs?.delete(id);
    conn.send(thrownFrame(id, err, conn.codec, runtime.logger, msg.path));
  };
  const sessionId = session.id;
  try {
    const flow = andThen(parseWith(sub.def.input, msg.input), (parsed) => {
      if (gone()) return;
      if (!parsed.success) {
        conn.subs?.delete(id);
        return conn.send(badRequestFrame(id, parsed.error, conn.codec));
      }
      const info = { ctx: conn.ctx, input: parsed.data, path: msg.path, kind: 'subscription' as const, sessionId };
      return andThen(runtime.guards.check(info), () => {
        if (gone()) return;
        return andThen(sub.handler(parsed.data, { ctx: conn.ctx, sessionId }) as TopicKey | Promise<TopicKey>, (key) => {
          if (gone()) return;
          join(conn, id, runtime.topicName(sub.def, key), msg.from, gone);
        });
      });
    });
    if (isPromise(flow)) flow.catch(refuse);
  } catch (err) {
    refuse(err);
  }
}

function join(conn: SubscriberState, id: number, topicName: string, from: SubscribeMessage['from'], gone: () => boolean): void {
  const failed = (err: unknown): void => {
    if (gone()) return;
    conn.subs?.delete(id);
    conn.runtime.logger.error('broker failed to join a topic', { error: err });
    conn.send(errorFrame(id, 'UNAVAILABLE', 'Subscription unavailable', null, conn.codec));
  };
  try {
    const joining = conn.runtime.hub.join(conn, topicName, from, (joined) => {
      if (gone()) return false;
      conn.subs!.set(id, joined.topic);
      conn.send(
        encodeServerMessage(
          { type: MessageType.SUBSCRIBED, id, topic: joined.topic.ref, epoch: joined.epoch, offset: joined.offset, gap: joined.gap },
          conn.codec,
        ),
      );
      return true;
    }, gone);
    if (isPromise(joining)) joining.catch(failed);
  } catch (err) {
    failed(err);
  }
}

export function unsubscribe(conn: SubscriberState, id: number): void {
  if (!conn.subs?.has(id)) return;
  const topic = conn.subs.get(id);
  conn.subs.delete(id);
  if (topic) conn.runtime.hub.leave(conn, topic);
}

/** The connection ended: leave every topic. */
export function leaveAll(conn: SubscriberState): void {
  if (conn.subs) for (const topic of conn.subs.values()) if (topic) conn.runtime.hub.leave(conn, topic);
  conn.subs = undefined;
}
