/**
 * A session store on Redis, for several server processes sharing sessions: a client that reconnects to
 * another process resumes its session there, and a call it re-sends is not run again. Every operation is
 * one Lua script on the session's key (session-scripts.ts). On a single server a turn's operations of
 * every session go as one EVALSHA of a batch script that runs them in order (script-batch.ts); on a
 * cluster each is its own EVALSHA, and node-redis writes the commands issued in one turn together.
 *
 * Retention is Redis key expiry. A session held by a connection of this process is leased: its keys expire
 * `retentionMs + leaseMs` after the last renewal, and this process renews the leases of its sessions every
 * `leaseMs / 2` (one script per session, in one write). A detach sets the expiry to `retentionMs`. So a
 * session outlives a process killed with -9 by at least `retentionMs`, and at most `retentionMs + leaseMs`.
 *
 * When Redis cannot be reached, every operation rejects with `UNAVAILABLE` (the Redis error as its `cause`)
 * within `commandTimeoutMs`: the server then answers a call with `UNAVAILABLE` instead of running it
 * without dedupe, and a hello is refused.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { AckwireError } from '@ackwire/core';
import type { Claim, ElsewhereOutcome, Logger, SessionStore, StoredSession } from '@ackwire/server';
import { within } from './errors.js';
import { clientLink, clusterLink, script, type AnyRedisClient, type AnyRedisCluster, type Link, type Script } from './link.js';
import { OutcomeWaiters } from './outcome-waiters.js';
import { ScriptBatch, batchScript, type Tails } from './script-batch.js';
import { nodeKey, sessionKeys, type SessionKeys } from './session-keys.js';
import * as lua from './session-scripts.js';

export interface RedisSessionStoreOptions {
  /** A node-redis client for one server (connected here if it is not yet). It stays the application's to close. */
  client?: AnyRedisClient;
  /** A node-redis cluster client (connected here if it is not yet). It stays the application's to close. */
  cluster?: AnyRedisCluster;
  /** Or a URL: the store makes its own client and closes it in `close()`. */
  url?: string;
  /** Prefix of every key. Default `ackwire:`. */
  prefix?: string;
  /** How long a detached session stays resumable, in ms (the keys' expiry). Default 120,000. */
  retentionMs?: number;
  /** Outcomes kept per session until the client confirms them; at the bound, new calls are refused. Default 1,024. */
  maxRetainedCalls?: number;
  /** How long a session held here outlives this process's last renewal, beyond `retentionMs`. Default 30,000. */
  leaseMs?: number;
  /** Longest wait for an answer from Redis before failing with `UNAVAILABLE`, in ms. Default 5,000. */
  commandTimeoutMs?: number;
  /** Longest wait for the outcome of a call another node runs, in ms. Default `retentionMs + leaseMs`. */
  outcomeWaitMs?: number;
  /** Where failures nobody awaits are reported (a lost connection, a lease renewal that failed). Default console. */
  logger?: Pick<Logger, 'error' | 'warn'>;
}

/** The message of the `UNAVAILABLE` error a failed store operation rejects with. */
export const SESSION_STORE_UNAVAILABLE = 'The session store (Redis) is unavailable';

const SCRIPTS = {
  create: script(lua.CREATE),
  resume: script(lua.RESUME),
  claim: script(lua.CLAIM),
  complete: script(lua.COMPLETE),
  release: script(lua.RELEASE),
  seen: script(lua.SEEN),
  confirm: script(lua.CONFIRM),
  expire: script(lua.EXPIRE_IF_OWNER),
  end: script(lua.END),
  retained: script(`return tonumber(redis.call('HGET', KEYS[1], 'n')) or 0`),
  peek: script(lua.PEEK),
  nodeAlive: script(lua.NODE_ALIVE),
  nodeGone: script(`return redis.call('DEL', KEYS[1])`),
  nodeSeen: script(`return redis.call('EXISTS', KEYS[1])`),
};

/** The scripts on a session's key, by name: on a single server, a turn's calls of them share one batch. */
const SESSION_SCRIPTS = Object.fromEntries(
  Object.entries(SCRIPTS).filter(([name]) => !['nodeAlive', 'nodeGone', 'nodeSeen'].includes(name)),
) as Record<string, Script>;
const NAME_OF = new Map<Script, string>(Object.entries(SESSION_SCRIPTS).map(([name, s]) => [s, name]));
/**
 * The store's constant arguments, at the end of some scripts' ARGV: `maxRetainedCalls` (0), the node id (1)
 * and the publish command (2), by index into `RedisSessionStore.shared`. A batch sends them once, not with
 * every operation; a script run on its own gets them appended.
 */
const TAILS: Tails = { claim: [0, 1], complete: [2], release: [2], end: [2] };
/**
 * The scripts that take many items and answer one element per item, with the number of leading arguments
 * their items share (the claim's generation): a batch joins one session's claims, and its outcomes, of a
 * turn into one script call each. Given one item (as when run on its own), such a script answers its element.
 */
const MANY: Readonly<Record<string, number>> = { claim: 1, complete: 0 };
const BATCH = batchScript(SESSION_SCRIPTS, TAILS);
/** Sessions whose key names are kept made. */
const KEY_NAMES_KEPT = 10_000;

/** The claim script's answers other than `finished` (which carries its frame), as shared constants. */
const CLAIMS = new Map<unknown, Claim>([
  [lua.CLAIMED.new, Object.freeze({ state: 'new' })],
  [lua.CLAIMED.running, Object.freeze({ state: 'running' })],
  [lua.CLAIMED.confirmed, Object.freeze({ state: 'confirmed' })],
  [lua.CLAIMED.fenced, Object.freeze({ state: 'fenced' })],
  [lua.CLAIMED.full, Object.freeze({ state: 'full' })],
  [lua.CLAIMED.gone, Object.freeze({ state: 'gone' })],
]);

/** The confirm script's ARGV: the watermark, then each range's first and last id. */
function confirmArgs(watermark: number, ranges: ReadonlyArray<readonly [number, number]> | undefined): string[] {
  const args = [String(watermark)];
  if (ranges) for (const [first, last] of ranges) args.push(String(first), String(last));
  return args;
}

const nothing = (): void => undefined;

const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

/** What loading the scripts needs of a cluster client: its masters and a client for each. */
interface ClusterNodes {
  readonly masters: readonly unknown[];
  nodeClient(node: unknown): Promise<{ sendCommand(args: string[]): Promise<unknown> }>;
}

/** Connect to Redis and make a session store. */
export async function createRedisSessionStore(options: RedisSessionStoreOptions): Promise<RedisSessionStore> {
  const logger = options.logger ?? console;
  let quiet = false;
  const onError = (err: unknown): void => {
    if (quiet) return;
    quiet = true;
    setTimeout(() => (quiet = false), 10_000).unref?.();
    logger.warn('Redis connection error (repeats are not logged for 10 s)', { error: err });
  };
  if (!options.client && !options.cluster && !options.url) throw new TypeError('createRedisSessionStore needs a client, a cluster or a url');
  const timeoutMs = options.commandTimeoutMs ?? 5000;
  let owned: AnyRedisClient | undefined;
  try {
    const linking = options.cluster
      ? clusterLink(options.cluster, { onError })
      : clientLink(options.client ?? (owned = createClient({ url: options.url, disableOfflineQueue: true }) as unknown as AnyRedisClient), { onError });
    const link = await bounded(linking, timeoutMs, 'connect');
    // Loaded up front so that EVALSHA finds them: a NOSCRIPT retry would let a later operation overtake.
    const sources = [...Object.values(SCRIPTS), BATCH].map((s) => s.source);
    if (options.cluster) {
      const nodes = options.cluster as unknown as ClusterNodes;
      await bounded(
        Promise.all(nodes.masters.map(async (m) => Promise.all(sources.map(async (src) => (await nodes.nodeClient(m)).sendCommand(['SCRIPT', 'LOAD', src]))))),
        timeoutMs,
        'script load',
      );
    } else {
      const client = options.client ?? owned!;
      await bounded(Promise.all(sources.map((src) => client.sendCommand(['SCRIPT', 'LOAD', src]))), timeoutMs, 'script load');
    }
    const store = new RedisSessionStore(link, options, logger, owned);
    await store.announce();
    return store;
  } catch (err) {
    owned?.destroy();
    throw err;
  }
}

/** `promise`, or `UNAVAILABLE` (the session store's) if Redis fails it or gives no answer within `ms`. */
const bounded = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => within(promise, ms, what, SESSION_STORE_UNAVAILABLE);

export class RedisSessionStore implements SessionStore {
  readonly prefix: string;
  readonly retentionMs: number;
  readonly maxRetainedCalls: number;
  readonly leaseMs: number;
  /** This store's name in the claims it makes; its liveness key expires `leaseMs` after its last renewal. */
  readonly nodeId = randomBytes(9).toString('base64url');
  private readonly timeoutMs: number;
  /** Sessions this process holds, with the generation it holds them under: their leases are renewed. */
  private readonly held = new Map<string, number>();
  private readonly renewal: ReturnType<typeof setInterval>;
  private readonly waiters: OutcomeWaiters;
  /** Operations sent outside the batch and not answered yet (the batch tracks its own). */
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly keyNames = new Map<string, SessionKeys>();
  /** The constant arguments of TAILS. */
  private readonly shared: readonly string[];
  private closed = false;
  /** A single server's batch of this turn's session operations (none on a cluster: see script-batch.ts). */
  private readonly batch: ScriptBatch | undefined;

  /** @internal Use `createRedisSessionStore`. */
  constructor(
    private readonly link: Link,
    options: RedisSessionStoreOptions,
    private readonly logger: Pick<Logger, 'error' | 'warn'>,
    private readonly owned: AnyRedisClient | undefined,
  ) {
    this.prefix = options.prefix ?? 'ackwire:';
    this.retentionMs = Math.max(1, Math.floor(options.retentionMs ?? 120_000));
    this.maxRetainedCalls = Math.max(1, Math.floor(options.maxRetainedCalls ?? 1024));
    this.leaseMs = Math.max(2, Math.floor(options.leaseMs ?? 30_000));
    this.timeoutMs = options.commandTimeoutMs ?? 5000;
    this.renewal = setInterval(() => this.renew(), this.leaseMs / 2);
    this.renewal.unref?.();
    this.shared = [String(this.maxRetainedCalls), this.nodeId, link.sharded ? 'SPUBLISH' : 'PUBLISH'];
    this.batch = options.cluster
      ? undefined
      : new ScriptBatch(link, BATCH, { timeoutMs: this.timeoutMs, detail: SESSION_STORE_UNAVAILABLE, names: Object.keys(SESSION_SCRIPTS), shared: this.shared, many: MANY });
    this.waiters = new OutcomeWaiters({
      subscribe: (channel, fn) => link.subscribe(channel, fn),
      unsubscribe: (channel, fn) => link.unsubscribe(channel, fn),
      peek: async (id, callId) => (await this.run(SCRIPTS.peek, id, [String(callId)], 'peek')) as string | null,
      alive: async (nodeId) => Number(await this.runOn(SCRIPTS.nodeSeen, nodeKey(this.prefix, nodeId), [], 'node check')) === 1,
      checkMs: Math.max(1, Math.floor(this.leaseMs / 2)),
      onResubscribed: (fn) => link.onResubscribed(fn),
      report: (message, err) => this.logger.warn(message, { error: err }),
      timeoutMs: options.outcomeWaitMs ?? this.retentionMs + this.leaseMs,
    });
  }

  keys(id: string): SessionKeys {
    let keys = this.keyNames.get(id);
    if (keys) return keys;
    // Made once per session rather than per operation; ids that clients send are bounded by the clear.
    if (this.keyNames.size >= KEY_NAMES_KEPT) this.keyNames.clear();
    keys = sessionKeys(this.prefix, id);
    this.keyNames.set(id, keys);
    return keys;
  }

  /** Sessions with a call awaited from another process (each holds one channel subscription). */
  get waitingSessions(): number {
    return this.waiters.size;
  }

  /** Sessions whose leases this process renews. */
  get heldCount(): number {
    return this.held.size;
  }

  private get leaseTtl(): string {
    return String(this.retentionMs + this.leaseMs);
  }

  /** A session script on the session's key (on a single server, in this turn's batch), answering `decode(answer)` if given. */
  private run(s: Script, id: string, args: string[], what: string, decode?: (answer: unknown) => unknown): Promise<unknown> {
    const key = this.keys(id).session;
    const name = NAME_OF.get(s)!;
    if (this.closed || !this.batch) {
      const tail = TAILS[name];
      const sent = this.runOn(s, key, tail ? [...args, ...tail.map((i) => this.shared[i]!)] : args, what);
      return decode ? sent.then(decode) : sent;
    }
    // The batch bounds the wait and keeps track of what it sent itself, once per batch.
    return this.batch.run(name, key, args, decode);
  }

  private runOn(s: Script, key: string, args: string[], what: string): Promise<unknown> {
    if (this.closed) return Promise.reject(new AckwireError('UNAVAILABLE', `${SESSION_STORE_UNAVAILABLE}: the store was closed`));
    const done = bounded(this.link.eval(s, [key], args), this.timeoutMs, what);
    // close() lets these finish: a server's drain stores its last outcomes just before the store is closed.
    this.inflight.add(done);
    const forget = (): void => void this.inflight.delete(done);
    done.then(forget, forget);
    return done;
  }

  /** @internal Set this node's liveness key (at start, and with every lease renewal). */
  announce(): Promise<unknown> {
    return this.runOn(SCRIPTS.nodeAlive, nodeKey(this.prefix, this.nodeId), [String(this.leaseMs)], 'node');
  }

  async create(): Promise<StoredSession> {
    const id = randomBytes(12).toString('base64url');
    const token = randomBytes(18).toString('base64url');
    await this.run(SCRIPTS.create, id, [hashOf(token), this.leaseTtl], 'create');
    this.held.set(id, 1);
    return { id, token, generation: 1, lastId: 0 };
  }

  async resume(id: string, token: string): Promise<StoredSession | undefined> {
    const answer = await this.run(SCRIPTS.resume, id, [hashOf(token), this.leaseTtl], 'resume');
    if (!Array.isArray(answer)) return undefined;
    const generation = Number(answer[0]);
    this.held.set(id, generation);
    return { id, token, generation, lastId: Number(answer[1]) };
  }

  claim(id: string, generation: number, callId: number): Promise<Claim> {
    const decode = (answer: unknown): Claim => {
      if (Array.isArray(answer)) return { state: 'finished', frame: String(answer[1]) };
      const claim = CLAIMS.get(answer);
      if (!claim) throw new AckwireError('INTERNAL_ERROR', `claim: unexpected answer from Redis: ${String(answer)}`);
      if (claim.state === 'fenced' && this.held.get(id) === generation) this.held.delete(id);
      return claim;
    };
    return this.run(SCRIPTS.claim, id, [String(generation), String(callId)], 'claim', decode) as Promise<Claim>;
  }

  async release(id: string, callId: number): Promise<void> {
    await this.run(SCRIPTS.release, id, [String(callId)], 'release');
  }

  complete(id: string, callId: number, frame: string): Promise<void> {
    return this.run(SCRIPTS.complete, id, [String(callId), frame], 'complete', nothing) as Promise<void>;
  }

  /**
   * The outcome of a call claimed `running` that runs in another process: `finished` with its frame once
   * that process stores it, `lost` when that process's liveness key expired first (it stopped), `none` when
   * nothing will come (the claim was released, the session ended, or `outcomeWaitMs` passed). See
   * outcome-waiters.ts.
   */
  awaitOutcome(id: string, callId: number): Promise<ElsewhereOutcome> {
    if (this.closed) return Promise.resolve({ state: 'none' });
    return this.waiters.wait(id, this.keys(id).channel, callId);
  }

  async seen(id: string, requestId: number): Promise<void> {
    await this.run(SCRIPTS.seen, id, [String(requestId)], 'seen');
  }

  /**
   * Raise the watermark and forget the stored outcomes below it and in `ranges` (ascending, disjoint, first
   * and last inclusive: outcomes the client has although the watermark cannot pass them yet); running calls
   * stay. One script.
   */
  async confirm(id: string, watermark: number, ranges?: ReadonlyArray<readonly [number, number]>): Promise<void> {
    await this.run(SCRIPTS.confirm, id, confirmArgs(watermark, ranges), 'confirm');
  }

  /** Forget the stored outcomes of the calls in `ranges` only; answers the number forgotten. */
  async confirmRanges(id: string, ranges: ReadonlyArray<readonly [number, number]>): Promise<number> {
    if (ranges.length === 0) return 0;
    return Number(await this.run(SCRIPTS.confirm, id, confirmArgs(0, ranges), 'confirm'));
  }

  /** Outcomes the session holds that the client has not acknowledged (0 for an unknown session). */
  async retained(id: string): Promise<number> {
    return Number(await this.run(SCRIPTS.retained, id, [], 'retained'));
  }

  async detach(id: string, generation: number): Promise<void> {
    if (this.held.get(id) === generation) this.held.delete(id);
    await this.run(SCRIPTS.expire, id, [String(generation), String(this.retentionMs)], 'detach');
  }

  async end(id: string, generation?: number): Promise<void> {
    if (generation === undefined || this.held.get(id) === generation) this.held.delete(id);
    await this.run(SCRIPTS.end, id, [generation === undefined ? '' : String(generation)], 'end');
  }

  /** Renew the lease of every session held here; one that another process took is dropped from the list. */
  private renew(): void {
    let failed = 0;
    this.announce().catch((err: unknown) => {
      if (failed++ === 0) this.logger.warn('session store: renewing the leases of this process failed', { error: err });
    });
    for (const [id, generation] of this.held) {
      this.run(SCRIPTS.expire, id, [String(generation), this.leaseTtl], 'renew').then(
        (kept) => {
          if (Number(kept) === 0 && this.held.get(id) === generation) this.held.delete(id);
        },
        (err: unknown) => {
          // One warning per round, however many sessions: an outage fails them all.
          if (failed++ === 0) this.logger.warn('session store: renewing the leases of this process failed', { error: err });
        },
      );
    }
  }

  /**
   * Stop renewing leases, let the operations already sent finish (each within `commandTimeoutMs`), and let
   * go of Redis. Sessions stay in Redis until their keys expire.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.renewal);
    this.held.clear();
    this.waiters.close();
    await Promise.allSettled([...this.inflight, this.batch?.settled()]);
    // The calls this process claimed will not finish: nodes waiting for them learn it at once.
    await bounded(this.link.eval(SCRIPTS.nodeGone, [nodeKey(this.prefix, this.nodeId)], []), this.timeoutMs, 'node').catch(() => undefined);
    await this.link.close();
    this.owned?.destroy();
  }
}
