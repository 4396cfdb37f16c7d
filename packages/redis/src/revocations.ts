/**
 * Revocation on every node: `revoke(subject)` publishes the subject on one Redis channel that every node's
 * `RedisRevocations` listens to, and each node runs `server.revoke` with the predicate it was given for
 * that subject. So a user's connections are closed, and the sessions of theirs that some node holds are
 * ended, whichever node they are on. A predicate cannot travel, hence the subject: a string the application
 * derives from a context (a user id, say).
 *
 * A session no live node holds (its node died with it detached) is not found; a resume of it runs
 * authentication again, so keep `authenticate`/`context` refusing revoked credentials (docs/scaling.md).
 */
import { createClient } from 'redis';
import type { Logger } from '@ackwire/server';
import { unavailable } from './errors.js';
import { clientLink, clusterLink, script, type AnyRedisClient, type AnyRedisCluster, type Link } from './link.js';

export interface RedisRevocationsOptions {
  /** A node-redis client for one server (connected here if it is not yet). It stays the application's to close. */
  client?: AnyRedisClient;
  /** A node-redis cluster client (connected here if it is not yet). It stays the application's to close. */
  cluster?: AnyRedisCluster;
  /** Or a URL: revocations make their own client and close it in `close()`. */
  url?: string;
  /** Prefix of the channel. Default `ackwire:`. */
  prefix?: string;
  /** Where failures nobody awaits are reported. Default console. */
  logger?: Pick<Logger, 'error' | 'warn'>;
}

/** What revocation needs of a server: `server.revoke` (AckwireServer has it). */
export interface Revocable<Ctx> {
  revoke(predicate: (ctx: Ctx, info: { readonly sessionId: string }) => boolean, reason?: string): number;
}

const PUBLISH = script(`return redis.call(ARGV[1], KEYS[1], ARGV[2])`);

/** Connect to Redis and listen for revocations. */
export async function createRedisRevocations(options: RedisRevocationsOptions): Promise<RedisRevocations> {
  const logger = options.logger ?? console;
  const onError = (err: unknown): void => logger.warn('Redis connection error (revocations)', { error: err });
  if (!options.client && !options.cluster && !options.url) throw new TypeError('createRedisRevocations needs a client, a cluster or a url');
  let owned: AnyRedisClient | undefined;
  try {
    const link = options.cluster
      ? await clusterLink(options.cluster, { onError })
      : await clientLink(options.client ?? (owned = createClient({ url: options.url, disableOfflineQueue: true }) as unknown as AnyRedisClient), { onError });
    const revocations = new RedisRevocations(link, `${options.prefix ?? 'ackwire:'}{revoke}`, logger, owned);
    await revocations.listening;
    return revocations;
  } catch (err) {
    owned?.destroy();
    throw unavailable(err, 'Revocations: Redis is unavailable');
  }
}

export class RedisRevocations {
  private readonly served = new Set<(subject: string, reason: string | undefined) => void>();
  /** @internal */
  readonly listening: Promise<void>;
  private readonly onMessage = (message: string): void => this.heard(message);

  /** @internal Use `createRedisRevocations`. */
  constructor(
    private readonly link: Link,
    readonly channel: string,
    private readonly logger: Pick<Logger, 'error' | 'warn'>,
    private readonly owned: AnyRedisClient | undefined,
  ) {
    this.listening = link.subscribe(channel, this.onMessage);
  }

  /**
   * Apply revocations heard from any node to `server`: `matches(ctx, subject)` says whether a connection's
   * context belongs to the revoked subject. Returns a function that stops it.
   */
  serve<Ctx>(server: Revocable<Ctx>, matches: (ctx: Ctx, subject: string) => boolean): () => void {
    const apply = (subject: string, reason: string | undefined): void => {
      server.revoke((ctx) => matches(ctx, subject), reason);
    };
    this.served.add(apply);
    return () => void this.served.delete(apply);
  }

  /**
   * Revoke `subject` on every node, this one included (the message comes back to it like to any other).
   * Resolves once Redis took the message; rejects with `UNAVAILABLE` when Redis is unavailable.
   */
  async revoke(subject: string, reason?: string): Promise<void> {
    const message = JSON.stringify(reason === undefined ? [subject] : [subject, reason]);
    try {
      await this.link.eval(PUBLISH, [this.channel], [this.link.sharded ? 'SPUBLISH' : 'PUBLISH', message]);
    } catch (err) {
      throw unavailable(err, 'Revocations: Redis is unavailable');
    }
  }

  private heard(message: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || typeof parsed[0] !== 'string' || (parsed[1] !== undefined && typeof parsed[1] !== 'string')) {
      this.logger.warn('revocations: ignored a malformed message on the revocation channel', { message: message.slice(0, 200) });
      return;
    }
    for (const apply of this.served) {
      try {
        apply(parsed[0], parsed[1] as string | undefined);
      } catch (err) {
        this.logger.error('revocations: a revocation predicate threw', { error: err });
      }
    }
  }

  async close(): Promise<void> {
    this.served.clear();
    await this.link.unsubscribe(this.channel, this.onMessage).catch(() => undefined);
    await this.link.close();
    this.owned?.destroy();
  }
}
