/**
 * A broker on Redis, for several server processes sharing topics. Each topic's events are in a Redis Stream
 * with its epoch and head offset beside it (see keys.ts); one Lua script assigns the offset, appends, trims
 * by count and age and publishes the live message, so offsets are 1, 2, 3, ... with no holes and live
 * messages leave in offset order. Every node keeps one Redis subscription per topic it listens to and
 * catches up from the stream by offset when its pub/sub connection was lost.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import type { Broker, BrokerEvent, Listening, Logger, ReadResult, TopicHead } from '@ackwire/server';
import { REDIS_UNAVAILABLE, unavailable, within } from './errors.js';
import { topicKeys, type TopicKeys } from './keys.js';
import { clientLink, clusterLink, script, type AnyRedisClient, type AnyRedisCluster, type Link } from './link.js';
import { LiveTopic, type LiveListener, type LiveTopicHost } from './live-topic.js';
import { decodePayload, encodePayload } from './payload.js';
import { HEAD, PAGE, PUBLISH, READ } from './scripts.js';

export interface RedisBrokerOptions {
  /** A node-redis client for one server (connected here if it is not yet). It stays the application's to close. */
  client?: AnyRedisClient;
  /** A node-redis cluster client (connected here if it is not yet). It stays the application's to close. */
  cluster?: AnyRedisCluster;
  /** Or a URL: the broker makes its own client and closes it in `close()`. */
  url?: string;
  /** Prefix of every key and channel. Default `ackwire:`. */
  prefix?: string;
  /** Most events kept per topic for replay (exact `MAXLEN` trimming). Default 10,000. */
  retainCount?: number;
  /** Longest time an event is kept for replay, in ms (`MINID` trimming by the entry's time). Default 120,000. */
  retainMs?: number;
  /**
   * How long a topic's epoch and head offset outlive its last publish, in ms. A resume within it gets its
   * events or a `retention` gap; after it, an `epoch` gap. Default 86,400,000 (one day); at least `retainMs`.
   */
  topicTtlMs?: number;
  /** Events per replay read (`XRANGE ... COUNT`). Default 1,000. */
  readBatch?: number;
  /** Longest wait for an answer from Redis before failing with `UNAVAILABLE`, in ms. Default 5,000. */
  commandTimeoutMs?: number;
  /** Wait before retrying a catch-up that failed, in ms. Default 1,000. */
  retryMs?: number;
  /** Sharded pub/sub (SSUBSCRIBE/SPUBLISH); by default on when the server is Redis 7 or later. */
  sharded?: boolean;
  /** Where failures nobody awaits are reported (a lost connection, a catch-up that failed). Default console. */
  logger?: Pick<Logger, 'error' | 'warn'>;
}

const SCRIPTS = { publish: script(PUBLISH), head: script(HEAD), read: script(READ), page: script(PAGE) };
const SEEN_LIMIT = 10_000;

const freshEpoch = (): string => randomBytes(9).toString('base64url');

type Entry = [id: string, fields: string[]];

function toEvent(epoch: string, entry: Entry): BrokerEvent {
  const id = entry[0];
  const fields = entry[1];
  const i = fields.indexOf('d');
  return { epoch, offset: Number(id.slice(0, id.indexOf('-'))), data: decodePayload(fields[i + 1]!) };
}

/** Connect to Redis and make a broker. */
export async function createRedisBroker(options: RedisBrokerOptions): Promise<RedisBroker> {
  const logger = options.logger ?? console;
  // node-redis emits an error for every failed reconnect attempt; one warning per outage is enough.
  let quiet = false;
  const onError = (err: unknown): void => {
    if (quiet) return;
    quiet = true;
    setTimeout(() => (quiet = false), 10_000).unref?.();
    logger.warn('Redis connection error (repeats are not logged for 10 s)', { error: err });
  };
  if (!options.client && !options.cluster && !options.url) throw new TypeError('createRedisBroker needs a client, a cluster or a url');
  let owned: AnyRedisClient | undefined;
  const linking = options.cluster
    ? clusterLink(options.cluster, { sharded: options.sharded, onError })
    : clientLink(options.client ?? (owned = createClient({ url: options.url, disableOfflineQueue: true }) as unknown as AnyRedisClient), { sharded: options.sharded, onError });
  try {
    // node-redis keeps retrying a first connection that fails; the broker gives up after the command timeout.
    const link = await within(linking, options.commandTimeoutMs ?? 5000, 'connect');
    return new RedisBroker(link, options, logger, owned);
  } catch (err) {
    owned?.destroy();
    throw err;
  }
}

export class RedisBroker implements Broker {
  private readonly prefix: string;
  private readonly retainCount: number;
  private readonly retainMs: number;
  private readonly topicTtlMs: number;
  private readonly readBatch: number;
  private readonly timeoutMs: number;
  private readonly live = new Map<string, LiveTopic>();
  /** Topics whose subscription and head are still being set up. */
  private readonly starting = new WeakMap<LiveTopic, Promise<void>>();
  /** The highest head this node saw per topic it published to, to notice a head that went back. */
  private readonly seen = new Map<string, TopicHead>();
  private readonly host: LiveTopicHost;
  private closed = false;

  /** @internal Use `createRedisBroker`. */
  constructor(
    private readonly link: Link,
    options: RedisBrokerOptions,
    private readonly logger: Pick<Logger, 'error' | 'warn'>,
    private readonly owned: AnyRedisClient | undefined,
  ) {
    this.prefix = options.prefix ?? 'ackwire:';
    this.retainCount = Math.max(1, Math.floor(options.retainCount ?? 10_000));
    this.retainMs = Math.max(1, Math.floor(options.retainMs ?? 120_000));
    this.topicTtlMs = Math.max(this.retainMs, Math.floor(options.topicTtlMs ?? 86_400_000));
    this.readBatch = Math.max(1, Math.floor(options.readBatch ?? 1000));
    this.timeoutMs = options.commandTimeoutMs ?? 5000;
    this.host = {
      read: (topic, from) => this.read(topic, from),
      report: (message, err) => this.logger.warn(message, { error: err }),
      retryMs: options.retryMs ?? 1000,
    };
    link.onResubscribed(() => {
      for (const t of this.live.values()) t.catchUp();
    });
  }

  /** Whether live delivery uses sharded pub/sub. */
  get sharded(): boolean {
    return this.link.sharded;
  }

  /** Number of topics this node holds a Redis subscription for. */
  get subscriptionCount(): number {
    return this.live.size;
  }

  keys(topic: string): TopicKeys {
    return topicKeys(this.prefix, topic);
  }

  private run(s: (typeof SCRIPTS)[keyof typeof SCRIPTS], keys: TopicKeys, args: string[], what: string): Promise<unknown> {
    if (this.closed) return Promise.reject(unavailable(new Error('closed'), 'The Redis broker is closed'));
    if (!this.link.ready) return Promise.reject(unavailable(new Error('not connected'), `${REDIS_UNAVAILABLE}: not connected`));
    return within(this.link.eval(s, [keys.meta, keys.events], args), this.timeoutMs, what);
  }

  /** What this node knows of a topic's head, passed to the scripts so that a head behind it is a loss. */
  private seenOf(topic: string): TopicHead {
    const live = this.live.get(topic);
    const seen = this.seen.get(topic);
    if (live?.started && (!seen || seen.epoch !== live.epoch || seen.offset < live.last)) return { epoch: live.epoch, offset: live.last };
    return seen ?? { epoch: '', offset: 0 };
  }

  private note(topic: string, head: TopicHead): void {
    const seen = this.seen.get(topic);
    if (seen && seen.epoch === head.epoch && seen.offset >= head.offset) return;
    this.seen.delete(topic);
    this.seen.set(topic, head);
    if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.keys().next().value!);
  }

  /**
   * Append an event: one script call (offset, XADD with MAXLEN, age trim, live message). Rejects with
   * `UNAVAILABLE` when Redis is not connected or does not answer within `commandTimeoutMs`; after a
   * timeout the event may or may not have been appended.
   */
  async publish(topic: string, data: unknown): Promise<TopicHead> {
    const keys = this.keys(topic);
    const payload = encodePayload(data);
    const seen = this.seenOf(topic);
    const args = [freshEpoch(), payload, String(this.retainCount), String(this.retainMs), String(this.topicTtlMs), keys.channel, seen.epoch, String(seen.offset), this.link.sharded ? 'SPUBLISH' : 'PUBLISH'];
    const [epoch, offset] = (await this.run(SCRIPTS.publish, keys, args, 'publish')) as [string, string];
    const head = { epoch, offset: Number(offset) };
    this.note(topic, head);
    this.live.get(topic)?.published(head, data);
    return head;
  }

  /**
   * Live events of a topic: the first listener on this node subscribes to the topic's channel, later ones
   * share that subscription. `onLost` is called when the topic's history was lost while listening (a new
   * epoch); events of the new epoch follow.
   */
  async listen(topic: string, onEvent: (event: BrokerEvent) => void, onLost?: (head: TopicHead) => void): Promise<Listening> {
    let live = this.live.get(topic);
    let starting: Promise<void> | undefined;
    if (!live) {
      live = new LiveTopic(topic, this.host);
      this.live.set(topic, live);
      starting = this.start(live);
      this.starting.set(live, starting);
    } else starting = this.starting.get(live);
    const listener: LiveListener = onLost ? { onEvent, onLost } : { onEvent };
    live.listeners.add(listener);
    try {
      if (starting) await starting;
    } catch (err) {
      live.listeners.delete(listener);
      throw err;
    }
    const t = live;
    return {
      head: { epoch: t.epoch, offset: t.last },
      stop: () => {
        if (!t.listeners.delete(listener) || t.listeners.size > 0) return;
        this.drop(t);
      },
    };
  }

  private async start(live: LiveTopic): Promise<void> {
    const keys = this.keys(live.name);
    try {
      if (!this.link.ready) throw unavailable(new Error('not connected'), `${REDIS_UNAVAILABLE}: not connected`);
      await within(this.link.subscribe(keys.channel, live.onMessage), this.timeoutMs, 'subscribe');
      const seen = this.seenOf(live.name);
      const [epoch, offset] = (await this.run(SCRIPTS.head, keys, [freshEpoch(), String(this.retainMs), String(this.topicTtlMs), seen.epoch, String(seen.offset)], 'listen')) as [string, string];
      live.start({ epoch, offset: Number(offset) });
      this.starting.delete(live);
    } catch (err) {
      if (this.live.get(live.name) === live) this.drop(live);
      throw err;
    }
  }

  private drop(live: LiveTopic): void {
    live.stop();
    if (this.live.get(live.name) === live) this.live.delete(live.name);
    this.link.unsubscribe(this.keys(live.name).channel, live.onMessage).catch((err: unknown) => {
      if (!this.closed) this.logger.warn(`unsubscribing from topic "${live.name}" failed`, { error: err });
    });
  }

  /** Events after `from` up to the head, read `readBatch` at a time; or the gap and its reason. */
  async read(topic: string, from: { epoch: string; offset: number }): Promise<ReadResult> {
    for (let attempt = 0; ; attempt++) {
      const r = await this.readOnce(topic, from);
      if (r !== 'changed') return r;
      // The history changed between two pages (a new epoch): reading again reports it.
      if (attempt >= 2) throw unavailable(new Error('the topic changed during every read'));
    }
  }

  private async readOnce(topic: string, from: { epoch: string; offset: number }): Promise<ReadResult | 'changed'> {
    const keys = this.keys(topic);
    const seen = this.seenOf(topic);
    const args = [freshEpoch(), String(this.retainMs), String(this.topicTtlMs), from.epoch, String(from.offset), String(this.readBatch), seen.epoch, String(seen.offset)];
    const [epoch, offset, kind, entries] = (await this.run(SCRIPTS.read, keys, args, 'read')) as [string, string, string, Entry[] | undefined];
    const head = { epoch, offset: Number(offset) };
    if (kind === 'epoch' || kind === 'retention') return { gap: kind, head };
    const events: BrokerEvent[] = [];
    let last = from.offset;
    let page = entries ?? [];
    for (;;) {
      for (const entry of page) {
        const event = toEvent(epoch, entry);
        if (event.offset > head.offset) break;
        // Trimmed between two pages: what is left is not contiguous with what was read.
        if (event.offset !== last + 1) return { gap: 'retention', head };
        events.push(event);
        last = event.offset;
      }
      if (last >= head.offset) return { events, head };
      if (page.length === 0) return { gap: 'retention', head };
      const next = (await this.run(SCRIPTS.page, keys, [epoch, String(last + 1), String(this.readBatch)], 'read')) as Entry[] | null;
      if (next === null) return 'changed';
      page = next;
    }
  }

  /** Stop every subscription; close the client if the broker made it. */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const live of [...this.live.values()]) this.drop(live);
    this.closed = true;
    await this.link.close();
    if (this.owned) this.owned.destroy();
  }
}
