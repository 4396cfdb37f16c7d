/**
 * Revocation on every node: one `revoke(subject)` closes the subject's connections on two servers sharing a
 * Redis (4401 with the reason), and leaves everyone else's alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisRevocations, type RedisRevocations } from '@ackwire/redis';
import { makeServer } from '../../../test/helpers/fixtures.js';
import { useHarness } from '../../../test/helpers/harness.js';
import { skipWithoutRedis, startRedis, type RedisServer } from '../../../test/helpers/redis-server.js';

const skip = skipWithoutRedis('packages/redis/test/revocations.test.ts');
const quiet = { error: () => undefined, warn: () => undefined };
const h = useHarness();

let redis: RedisServer | undefined;
beforeAll(async () => {
  if (!skip) redis = await startRedis();
}, 30_000);
afterAll(async () => {
  await redis?.stop();
});

async function node(): Promise<{ url: string; fingerprint: string; revocations: RedisRevocations }> {
  const { url, server } = await h.fixtureServer();
  const revocations = await createRedisRevocations({ url: redis!.url, logger: quiet });
  h.defer(() => revocations.close());
  revocations.serve(server, (ctx, subject) => ctx.user === subject);
  return { url, fingerprint: server.fingerprint, revocations };
}

describe.skipIf(skip)('RedisRevocations', () => {
  it('closes the revoked user\'s connections on every node with 4401 and the reason; other users carry on', async () => {
    const [a, b] = [await node(), await node()];
    const connect = async (n: { url: string; fingerprint: string }, user: string) => {
      const c = await h.raw(n.url, ['ackwire.v1.json']);
      await c.hello(n.fingerprint, { user });
      return c;
    };
    const [onA, onB, other] = [await connect(a, 'mallory'), await connect(b, 'mallory'), await connect(b, 'alice')];
    await a.revocations.revoke('mallory', 'account locked');
    for (const c of [onA, onB]) expect(await c.closed).toStrictEqual({ code: 4401, reason: 'account locked' });
    other.send([14]);
    expect(await other.next()).toStrictEqual([15]);
  });

  it('ignores a malformed message on the channel', async () => {
    const n = await node();
    const c = await h.raw(n.url, ['ackwire.v1.json']);
    await c.hello(n.fingerprint, { user: 'bob' });
    await redis!.cli('SPUBLISH', n.revocations.channel, 'not json');
    await redis!.cli('SPUBLISH', n.revocations.channel, '[42]');
    await n.revocations.revoke('bob');
    expect((await c.closed).code).toBe(4401);
  });
});
