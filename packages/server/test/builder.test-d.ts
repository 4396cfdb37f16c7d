/**
 * Type tests for createServer(api).implement(config): with the contract's type fixed first, every inline
 * function is typed with no annotation: authenticate → auth → context → ctx in guards and handlers.
 * Regression: createServer(api, { context: ({ params }) => ..., handlers }) left ctx untyped.
 */
import { expectTypeOf } from 'vitest';
import { AckwireError, contract, procedure, subscription } from '@ackwire/core';
import { createServer } from '@ackwire/server';
import { z } from 'zod';
const api = contract(
  { count: procedure({ input: z.object({ k: z.string() }), output: z.number() }), admin: { s: subscription({ input: z.object({ a: z.string() }), event: z.number() }) } },
  { params: z.object({ tok: z.string() }) },
);
const s = createServer(api).implement({
  authenticate: ({ cookies }) => ({ sid: cookies.sid ?? '' }),
  context: ({ params, auth }) => ({ n: params.tok.length + auth.sid.length, role: 'admin' as const }),
  guards: { '*': ({ ctx }) => ctx.n > 0, admin: ({ ctx }) => ctx.role === 'admin', count: ({ input, ctx }) => input.k.length < ctx.n },
  handlers: { count: ({ k }, { ctx }) => ctx.n + k.length, admin: { s: ({ a }, { ctx }) => a + ctx.n } },
});
createServer(api).implement({
  // @ts-expect-error wrong output type
  handlers: { count: () => 'x', admin: { s: ({ a }) => a } },
});
expectTypeOf(s.publish).toBeFunction();
createServer(api).implement({
  context: () => ({ user: 'u' }),
  guards: {
    // @ts-expect-error ctx has no field "role"
    admin: ({ ctx }) => ctx.role === 'admin',
  },
  handlers: { count: ({ k }) => k.length, admin: { s: ({ a }) => a } },
});
createServer(api).implement({
  context: () => ({ user: 'u' }),
  handlers: {
    count: ({ k }, { ctx }) => {
      expectTypeOf(ctx).toEqualTypeOf<{ user: string }>();
      expectTypeOf(k).toBeString();
      return 1;
    },
    admin: { s: ({ a }) => a },
  },
});
createServer(api).implement({
  // @ts-expect-error a handler is missing
  handlers: { count: () => 1 },
});
void AckwireError;
