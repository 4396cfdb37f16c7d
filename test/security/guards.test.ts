/**
 * Guards per procedure, subscription, namespace and for everything: a refused call gets FORBIDDEN and no
 * data, and its handler never runs. The ctx type flows into guards; a guard for a path that does not exist
 * is a compile error.
 */
import { createClient } from '@ackwire/client';
import { AckwireError } from '@ackwire/core';
import { createServer, type ServerConfig } from '@ackwire/server';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { issue, later, makeSecureServer, secureApi, type SecureCtx, type SecureTree } from './helpers.js';
import { listen } from '@ackwire/server/ws';

type Guards = NonNullable<ServerConfig<SecureTree, SecureCtx, { token: string }>['guards']>;

async function start(guards: Guards, record?: string[]) {
  const server = makeSecureServer({
    guards,
    handlers: {
      whoami: (_i, { ctx }) => {
        record?.push('whoami');
        return { user: ctx.user, role: ctx.role };
      },
      notes: {
        read: ({ owner }) => {
          record?.push(`read ${owner}`);
          return { owner, text: `notes of ${owner}` };
        },
        slow: async () => 'done' as const,
        feed: ({ owner }) => {
          record?.push(`feed ${owner}`);
          return owner;
        },
      },
      admin: {
        stats: () => {
          record?.push('stats');
          return { sessions: 1 };
        },
      },
      echo: (x) => x,
      record: (x) => Object.keys(x),
      boom: () => undefined,
    },
  });
  later(() => server.close());
  const { url } = await listen(server);
  const client = (token: string) => {
    const c = createClient(secureApi, { url, params: { token } });
    later(() => c.$close());
    return c;
  };
  return { server, client };
}

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => 'allowed',
    (e: AckwireError) => ({ code: e.code, message: e.message, data: e.data }),
  );

describe('guards over real sockets', () => {
  it('per procedure with the parsed input, per namespace, and "*" for everything', async () => {
    const ran: string[] = [];
    issue('alice', 'alice');
    issue('root', 'root', 'admin');
    const { client } = await start(
      {
        '*': ({ ctx }) => ctx.user !== 'mallory',
        admin: ({ ctx }) => ctx.role === 'admin',
        'notes.read': ({ ctx, input }) => input.owner === ctx.user || ctx.role === 'admin',
      },
      ran,
    );
    const alice = client('alice');
    const root = client('root');
    expect(await alice.notes.read({ owner: 'alice' })).toEqual({ owner: 'alice', text: 'notes of alice' });
    expect(await refusal(alice.notes.read({ owner: 'bob' }))).toEqual({ code: 'FORBIDDEN', message: 'Forbidden', data: undefined });
    expect(await refusal(alice.admin.stats())).toEqual({ code: 'FORBIDDEN', message: 'Forbidden', data: undefined });
    expect(await root.notes.read({ owner: 'bob' })).toEqual({ owner: 'bob', text: 'notes of bob' });
    expect(await root.admin.stats()).toEqual({ sessions: 1 });
    issue('mallory', 'mallory', 'admin');
    const mallory = client('mallory');
    expect(await refusal(mallory.whoami())).toMatchObject({ code: 'FORBIDDEN' });
    expect(await refusal(mallory.admin.stats())).toMatchObject({ code: 'FORBIDDEN' });
    expect(ran).toEqual(['read alice', 'read bob', 'stats']);
  });

  it('subscriptions are guarded before their handler picks a topic; nothing is delivered to a refused one', async () => {
    const ran: string[] = [];
    issue('alice', 'alice');
    const { server, client } = await start({ 'notes.feed': ({ ctx, input }) => input.owner === ctx.user }, ran);
    const alice = client('alice');
    const got: unknown[] = [];
    const errors: AckwireError[] = [];
    await new Promise<void>((resolve) => alice.notes.feed.subscribe({ owner: 'alice' }, { onData: (e) => got.push(e), onStarted: () => resolve() }));
    await new Promise<void>((resolve) =>
      alice.notes.feed.subscribe(
        { owner: 'bob' },
        {
          onData: (e) => got.push(e),
          onError: (e) => {
            errors.push(e);
            resolve();
          },
        },
      ),
    );
    await server.publish(secureApi.notes.feed, 'bob', { text: 'for bob' });
    await server.publish(secureApi.notes.feed, 'alice', { text: 'for alice' });
    await expect.poll(() => got).toEqual([{ text: 'for alice' }]);
    expect(errors.map((e) => e.code)).toEqual(['FORBIDDEN']);
    expect(ran).toEqual(['feed alice']);
  });

  it('async guards, AckwireErrors from guards, and only an explicit true allows', async () => {
    issue('alice', 'alice');
    const { client } = await start({
      whoami: async ({ ctx }) => {
        await new Promise((r) => setTimeout(r, 5));
        return ctx.user === 'alice';
      },
      'notes.read': ({ input }) => {
        if (input.owner === 'expired') throw new AckwireError('UNAUTHORIZED', 'Log in again');
        return (input.owner === 'sloppy' ? 1 : input.owner === 'undefined' ? undefined : true) as boolean;
      },
      'admin.stats': () => {
        throw new Error(`guard crashed near ${'secret'}`);
      },
    });
    const alice = client('alice');
    expect(await alice.whoami()).toEqual({ user: 'alice', role: 'member' });
    expect(await refusal(alice.notes.read({ owner: 'expired' }))).toEqual({ code: 'UNAUTHORIZED', message: 'Log in again', data: undefined });
    expect(await refusal(alice.notes.read({ owner: 'sloppy' }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await refusal(alice.notes.read({ owner: 'undefined' }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await refusal(alice.admin.stats())).toEqual({ code: 'INTERNAL_ERROR', message: 'Internal server error', data: undefined });
  });

  it('the guards see the refreshed context after $authenticate', async () => {
    issue('member', 'alice');
    issue('promoted', 'alice', 'admin');
    const { client } = await start({ admin: ({ ctx }) => ctx.role === 'admin' });
    const alice = client('member');
    expect(await refusal(alice.admin.stats())).toMatchObject({ code: 'FORBIDDEN' });
    await alice.$authenticate({ token: 'promoted' });
    expect(await alice.admin.stats()).toEqual({ sessions: 1 });
  });
});

describe('guard types', () => {
  it('ctx and input are typed; unknown paths do not compile', () => {
    const config = {
      context: (): SecureCtx => ({ user: 'u', role: 'member', exp: 0 }),
      guards: {
        '*': ({ ctx }) => {
          expectTypeOf(ctx).toEqualTypeOf<SecureCtx>();
          return true;
        },
        notes: ({ input, path }) => {
          expectTypeOf(input).toEqualTypeOf<unknown>();
          expectTypeOf(path).toEqualTypeOf<string>();
          return true;
        },
        'notes.read': ({ input }) => {
          expectTypeOf(input).toEqualTypeOf<{ owner: string }>();
          return true;
        },
        // @ts-expect-error: there is no such path
        'notes.write': () => true,
      },
    } satisfies Partial<ServerConfig<SecureTree, SecureCtx, unknown>>;
    expect(Object.keys(config.guards)).toContain('notes.read');
    // @ts-expect-error: a guard must return a boolean
    const wrong: Guards = { whoami: () => 'yes' };
    void wrong;
    void createServer;
  });
});
