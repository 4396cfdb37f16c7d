/**
 * Type tests for contracts written with zod/mini (checked by `tsc`, never run): they type-check, and the
 * server's handlers and the client's calls are typed from them as from classic zod schemas.
 */
import { createClient } from '@ackwire/client';
import { contract, procedure, subscription, type InputOf, type OutputOf } from '@ackwire/core';
import { createServer } from '@ackwire/server';
import { expectTypeOf } from 'vitest';
import * as z from 'zod/mini';

const api = contract(
  {
    math: { add: procedure({ input: z.object({ a: z.number(), b: z.optional(z.number()) }), output: z.number() }) },
    feed: subscription({ input: z.object({ room: z.string() }), event: z.object({ at: z.date() }) }),
  },
  { params: z.object({ token: z.string() }) },
);

expectTypeOf<InputOf<typeof api.math.add>>().toEqualTypeOf<{ a: number; b?: number | undefined }>();
expectTypeOf<OutputOf<typeof api.math.add>>().toEqualTypeOf<number>();

createServer(api).implement({
  context: ({ params }) => ({ token: params.token }),
  handlers: {
    math: {
      add: ({ a, b }, { ctx }) => {
        expectTypeOf(ctx).toEqualTypeOf<{ token: string }>();
        return a + (b ?? 0);
      },
    },
    feed: ({ room }) => room,
  },
});

createServer(api).implement({
  // @ts-expect-error: a wrong output type
  handlers: { math: { add: () => 'x' }, feed: ({ room }) => room },
});

const client = createClient(api, { url: 'ws://127.0.0.1:1/', params: { token: 't' } });
async function calls(): Promise<void> {
  expectTypeOf(await client.math.add({ a: 1 })).toEqualTypeOf<number>();
  // @ts-expect-error: a wrong input type
  await client.math.add({ a: '1' });
  client.feed.subscribe({ room: 'r' }, { onData: (event) => expectTypeOf(event).toEqualTypeOf<{ at: Date }>() });
}
void calls;
