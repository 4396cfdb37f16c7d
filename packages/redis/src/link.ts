/**
 * The broker's view of Redis: run a command routed by key, run a script (EVALSHA, EVAL when the node does
 * not have it yet), subscribe to a channel (sharded pub/sub where the server has it), and hear when the
 * subscriptions were re-established after a lost connection. One file for a single server and a cluster,
 * over node-redis's public API.
 */
import { createHash } from 'node:crypto';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (...args: any[]) => void;
type MessageListener = (message: string) => void;

/**
 * What the broker uses of a node-redis client (`createClient()`), written out so that any instantiation of
 * node-redis's generic client types fits and none of them reaches our declarations.
 */
export interface AnyRedisClient {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  sendCommand(args: string[]): Promise<unknown>;
  duplicate(overrides: { disableOfflineQueue: boolean }): AnyRedisClient;
  on(event: 'error' | 'ready', fn: Handler): unknown;
  off(event: 'error', fn: Handler): unknown;
  subscribe(channel: string, fn: MessageListener): Promise<void>;
  unsubscribe(channel: string, fn: MessageListener): Promise<void>;
  sSubscribe(channel: string, fn: MessageListener): Promise<void>;
  sUnsubscribe(channel: string, fn: MessageListener): Promise<void>;
  destroy(): void;
}

/** What the broker uses of a node-redis cluster client (`createCluster()`). */
export interface AnyRedisCluster {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
  on(event: 'error' | 'node-error' | 'node-ready', fn: Handler): unknown;
  off(event: 'error' | 'node-error' | 'node-ready', fn: Handler): unknown;
  subscribe(channel: string, fn: MessageListener): Promise<void>;
  unsubscribe(channel: string, fn: Handler): Promise<void>;
  sSubscribe(channel: string, fn: MessageListener): Promise<void>;
  sUnsubscribe(channel: string, fn: MessageListener): Promise<void>;
}

export interface Script {
  readonly source: string;
  readonly sha: string;
}

export const script = (source: string): Script => ({ source, sha: createHash('sha1').update(source).digest('hex') });

export interface Link {
  /** Whether commands can be sent now. */
  readonly ready: boolean;
  /** SSUBSCRIBE/SPUBLISH (true) or SUBSCRIBE/PUBLISH. */
  readonly sharded: boolean;
  eval(s: Script, keys: readonly string[], args: readonly string[]): Promise<unknown>;
  subscribe(channel: string, onMessage: (message: string) => void): Promise<void>;
  unsubscribe(channel: string, onMessage: (message: string) => void): Promise<void>;
  /** Called whenever a pub/sub connection came back (its subscriptions are active again). */
  onResubscribed(fn: () => void): void;
  close(): Promise<void>;
}

export interface LinkOptions {
  /** Force sharded pub/sub on or off; by default it is used when the server is Redis 7 or later. */
  sharded?: boolean;
  onError(err: unknown): void;
}

interface Sender {
  send(key: string | undefined, args: string[]): Promise<unknown>;
  readonly ready: boolean;
}

const isNoScript = (err: unknown): boolean => err instanceof Error && err.message.startsWith('NOSCRIPT');

async function evalWith(sender: Sender, s: Script, keys: readonly string[], args: readonly string[]): Promise<unknown> {
  const rest = [String(keys.length), ...keys, ...args];
  try {
    return await sender.send(keys[0], ['EVALSHA', s.sha, ...rest]);
  } catch (err) {
    if (!isNoScript(err)) throw err;
    return sender.send(keys[0], ['EVAL', s.source, ...rest]);
  }
}

async function majorVersion(sender: Sender): Promise<number> {
  const info = String(await sender.send(undefined, ['INFO', 'server']));
  const match = /redis_version:(\d+)/.exec(info);
  return match ? Number(match[1]) : 0;
}

/** A single server: the application's client for commands, a duplicate of it for subscriptions. */
export async function clientLink(client: AnyRedisClient, options: LinkOptions): Promise<Link> {
  client.on('error', options.onError);
  if (!client.isOpen) await client.connect();
  const sender: Sender = {
    send: (_key, args) => client.sendCommand(args),
    get ready() {
      return client.isReady;
    },
  };
  const sharded = options.sharded ?? (await majorVersion(sender)) >= 7;
  const sub = client.duplicate({ disableOfflineQueue: true });
  sub.on('error', options.onError);
  await sub.connect();
  return {
    sharded,
    get ready() {
      return client.isReady;
    },
    eval: (s, keys, args) => evalWith(sender, s, keys, args),
    subscribe: (channel, fn) => (sharded ? sub.sSubscribe(channel, fn) : sub.subscribe(channel, fn)),
    unsubscribe: (channel, fn) => (sharded ? sub.sUnsubscribe(channel, fn) : sub.unsubscribe(channel, fn)),
    // 'ready' follows the re-sent subscriptions' confirmations (node-redis waits for them).
    onResubscribed: (fn) => void sub.on('ready', fn),
    close: async () => {
      client.off('error', options.onError);
      sub.destroy();
    },
  };
}

/** A cluster: commands routed by key; sharded subscriptions on the node that owns the channel's slot. */
export async function clusterLink(cluster: AnyRedisCluster, options: LinkOptions): Promise<Link> {
  cluster.on('error', options.onError);
  cluster.on('node-error', options.onError);
  if (!cluster.isOpen) await cluster.connect();
  const sender: Sender = {
    send: (key, args) => cluster.sendCommand(key, false, args),
    get ready() {
      return cluster.isReady;
    },
  };
  const sharded = options.sharded ?? (await majorVersion(sender)) >= 7;
  const listeners: Array<() => void> = [];
  const onNodeReady = (): void => {
    for (const fn of listeners) fn();
  };
  cluster.on('node-ready', onNodeReady);
  return {
    sharded,
    get ready() {
      return cluster.isReady;
    },
    eval: (s, keys, args) => evalWith(sender, s, keys, args),
    subscribe: (channel, fn) => (sharded ? cluster.sSubscribe(channel, fn) : cluster.subscribe(channel, fn)),
    unsubscribe: (channel, fn) => (sharded ? cluster.sUnsubscribe(channel, fn) : cluster.unsubscribe(channel, fn)),
    onResubscribed: (fn) => void listeners.push(fn),
    close: async () => {
      cluster.off('error', options.onError);
      cluster.off('node-error', options.onError);
      cluster.off('node-ready', onNodeReady);
    },
  };
}
