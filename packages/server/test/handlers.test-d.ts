/**
 * Type tests for handlers, checked by `tsc -p tsconfig.json --noEmit` (never run). Each `@ts-expect-error`
 * marks a mistake that must not compile; the comment after it says which error it stands for.
 */
import { contract, procedure, subscription } from '@ackwire/core';
import { createServer, type CallInfo, type ConnectionInfo, type Handlers, type ServerOf, type SubscribeInfo, type TopicKey } from '@ackwire/server';
import { expectTypeOf } from 'vitest';
import { z } from 'zod';

const api = contract({
  math: {
    add: procedure({ input: z.object({ a: z.number(), b: z.number() }), output: z.number() }),
  },
  users: {
    get: procedure({ input: z.object({ id: z.string() }), output: z.object({ id: z.string(), born: z.date(), karma: z.bigint() }) }),
    length: procedure({ input: z.string().transform((s) => s.length), output: z.number().transform((n) => `${n} chars`) }),
    ping: procedure({ input: z.void(), output: z.literal('pong') }),
    changes: subscription({ input: z.object({ id: z.string() }), event: z.object({ at: z.date(), karma: z.bigint() }) }),
  },
});

type Ctx = { user: string; role: 'admin' | 'member' };
const context = (): Ctx => ({ user: 'u', role: 'member' });

const add = ({ a, b }: { a: number; b: number }) => a + b;
const users: Handlers<typeof api, Ctx>['users'] = {
  get: ({ id }) => ({ id, born: new Date(), karma: 1n }),
  length: (n) => n * 2,
  ping: () => 'pong' as const,
  changes: ({ id }) => ({ user: id }),
};

// ---- a complete, correct server compiles, with inputs, outputs and ctx typed from the contract --------

const server = createServer(api, {
  context,
  handlers: {
    math: {
      add: (input, info) => {
        expectTypeOf(input).toEqualTypeOf<{ a: number; b: number }>();
        expectTypeOf(info).toEqualTypeOf<CallInfo<Ctx>>();
        expectTypeOf(info.ctx).toEqualTypeOf<Ctx>();
        expectTypeOf(info.ctx.role).toEqualTypeOf<'admin' | 'member'>();
        expectTypeOf(info.signal).toEqualTypeOf<AbortSignal>();
        expectTypeOf(info.callId).toEqualTypeOf<number>();
        return input.a + input.b;
      },
    },
    users: {
      get: async ({ id }) => ({ id, born: new Date(0), karma: 10n }),
      length: (n) => {
        // The handler gets the input schema's output (a transform's result) ...
        expectTypeOf(n).toEqualTypeOf<number>();
        // ... and returns the output schema's input: the caller gets the transform's result.
        return n;
      },
      ping: (input) => {
        expectTypeOf(input).toEqualTypeOf<void>();
        return 'pong';
      },
      changes: (input, info) => {
        expectTypeOf(input).toEqualTypeOf<{ id: string }>();
        expectTypeOf(info).toEqualTypeOf<SubscribeInfo<Ctx>>();
        expectTypeOf(info.ctx).toEqualTypeOf<Ctx>();
        return { user: input.id, role: info.ctx.role };
      },
    },
  },
});

// An async context gives the same Ctx as a synchronous one.
const small = contract({ count: procedure({ input: z.void(), output: z.number() }) });
createServer(small, {
  context: async () => ({ n: 1 }),
  handlers: {
    count: (_input, { ctx }) => {
      expectTypeOf(ctx).toEqualTypeOf<{ n: number }>();
      return ctx.n;
    },
  },
});

// Connection params are typed by the contract's params schema (its output: defaults applied), in both forms.
const withParams = contract(
  { count: procedure({ input: z.void(), output: z.number() }) },
  { params: z.object({ token: z.string(), n: z.number().default(1) }) },
);
createServer(withParams, {
  context: ({ params }: ConnectionInfo<{ token: string; n: number }>) => {
    expectTypeOf(params).toEqualTypeOf<{ token: string; n: number }>();
    return { user: params.token, role: 'member' as const };
  },
  handlers: { count: (_input, { ctx }) => ctx.user.length },
});
createServer(withParams).implement({
  context: ({ params }) => {
    expectTypeOf(params).toEqualTypeOf<{ token: string; n: number }>();
    return { n: params.n };
  },
  handlers: { count: (_input, { ctx }) => ctx.n },
});
createServer(withParams).implement({
  // @ts-expect-error: params has no field "user"
  context: ({ params }) => ({ n: params.user }),
  handlers: { count: () => 1 },
});
createServer(small).implement({
  // @ts-expect-error: the params schema is declared in the contract (contract(tree, { params })), not in the server's options
  params: z.object({ token: z.string() }),
  handlers: { count: () => 1 },
});

// An unannotated context is typed through the two-step form (the contract's type is fixed first).
// Regression: in the one-call form `context: ({ params }) => ...` left ctx as `undefined`.
createServer(small).implement({
  context: ({ params }) => ({ params, n: 1 }),
  handlers: {
    count: (_input, { ctx }) => {
      expectTypeOf(ctx).toEqualTypeOf<{ params: unknown; n: number }>();
      return ctx.n;
    },
  },
});

// The server's type, named from the contract (a variable, a parameter, an export).
const named: ServerOf<typeof api, Ctx> = server;
expectTypeOf(named.publish).toEqualTypeOf(server.publish);
expectTypeOf(named.revoke).parameter(0).parameter(0).toEqualTypeOf<Ctx>();
const builtNamed: ServerOf<typeof withParams, { n: number }> = createServer(withParams).implement({
  context: ({ params }) => ({ n: params.n }),
  handlers: { count: (_input, { ctx }) => ctx.n },
});
void builtNamed;
// @ts-expect-error: a server of another context type
const wrongCtx: ServerOf<typeof api, { other: true }> = server;
void wrongCtx;

// publish takes the event schema's input, for that subscription only.
void server.publish(api.users.changes, { user: 'u' }, { at: new Date(), karma: 1n });
expectTypeOf(server.publish).parameter(1).toEqualTypeOf<TopicKey>();

// ---- mistakes that must not compile ------------------------------------------------------------------

createServer(api, {
  context,
  handlers: {
    // @ts-expect-error: a missing handler (math.add)
    math: {},
    users,
  },
});

createServer(api, {
  context,
  // @ts-expect-error: a missing namespace of handlers (users)
  handlers: { math: { add } },
});

createServer(api, {
  context,
  handlers: {
    math: {
      add,
      // @ts-expect-error: a misspelled handler (an extra key that is not in the contract)
      addd: add,
    },
    users,
  },
});

createServer(api, {
  context,
  handlers: {
    math: { add },
    users: {
      ...users,
      // @ts-expect-error: a handler returning the wrong shape (born must be a Date)
      get: ({ id }) => ({ id, born: '2024-01-01', karma: 1n }),
    },
  },
});

createServer(api, {
  context,
  handlers: {
    math: {
      // @ts-expect-error: a handler returning the wrong type (a string for z.number())
      add: ({ a, b }) => `${a + b}`,
    },
    users,
  },
});

createServer(api, {
  context,
  handlers: {
    math: {
      // @ts-expect-error: an async handler resolving to the wrong type
      add: async () => 'three',
    },
    users,
  },
});

createServer(api, {
  context,
  handlers: {
    math: { add },
    users: {
      ...users,
      // @ts-expect-error: returning the transform's result where the output schema's input is expected
      length: (n) => `${n} chars`,
    },
  },
});

createServer(api, {
  context,
  handlers: {
    math: {
      add: (input) => {
        // @ts-expect-error: a handler reading an input field that does not exist
        return input.a + input.c;
      },
    },
    users,
  },
});

createServer(api, {
  context,
  handlers: {
    math: {
      // @ts-expect-error: a handler destructuring an input field that does not exist
      add: ({ a, c }) => a + c,
    },
    users,
  },
});

createServer(api, {
  context,
  handlers: {
    math: {
      add: (input, { ctx }) => {
        // @ts-expect-error: ctx has the type returned by context, and no such field
        return ctx.tenant + input.a;
      },
    },
    users,
  },
});

createServer(api, {
  context,
  handlers: {
    math: { add },
    users: {
      ...users,
      // @ts-expect-error: a subscription handler must return a JSON topic key, not a Date
      changes: () => new Date(),
    },
  },
});

// @ts-expect-error: publish checks the event against the subscription's schema
void server.publish(api.users.changes, 'k', { at: '2024-01-01', karma: 1n });

// @ts-expect-error: publish takes a subscription, not a procedure
void server.publish(api.users.get, 'k', { id: 'x' });
