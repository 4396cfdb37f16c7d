/** A small contract and server used by the integration tests. */
import { AckwireError, contract, procedure, subscription } from '@ackwire/core';
import { createServer, type ServerConfig } from '@ackwire/server';
import { z } from 'zod';
import { abortableSleep } from './sleep.js';

export const Message = z.object({ id: z.number().int(), room: z.string(), text: z.string(), at: z.date() });

/** The fixture contract's tree, built afresh on every call (a definition can belong to one contract only). */
export const apiTree = () => ({
  math: {
    add: procedure({ input: z.object({ a: z.number(), b: z.number() }), output: z.number() }),
    slow: procedure({ input: z.object({ ms: z.number().int().max(60_000) }), output: z.literal('done') }),
  },
  chat: {
    send: procedure({ input: z.object({ room: z.string(), text: z.string().max(2000) }), output: Message }),
    messages: subscription({ input: z.object({ room: z.string() }), event: Message }),
  },
  types: {
    echo: procedure({
      input: z.object({ when: z.date(), big: z.bigint(), tags: z.set(z.string()), map: z.map(z.string(), z.number()) }),
      output: z.object({ when: z.date(), big: z.bigint(), tags: z.set(z.string()), map: z.map(z.string(), z.number()) }),
    }),
  },
  faulty: {
    wrongOutput: procedure({ input: z.void(), output: z.object({ ok: z.boolean() }) }),
    throws: procedure({ input: z.void(), output: z.void() }),
    forbidden: procedure({ input: z.void(), output: z.void() }),
  },
});

export const api = contract(apiTree());

export type Ctx = { user: string };

export function makeServer(overrides: Partial<ServerConfig<typeof api, Ctx, unknown>> = {}) {
  let nextId = 1;
  const server = createServer(api, {
    context: ({ params }) => ({ user: (params as { user?: string } | null)?.user ?? 'anon' }),
    logger: { error: () => undefined, warn: () => undefined },
    handlers: {
      math: {
        add: ({ a, b }) => a + b,
        slow: async ({ ms }, { signal }) => {
          await abortableSleep(ms, signal);
          return 'done' as const;
        },
      },
      chat: {
        send: async ({ room, text }) => {
          const msg = { id: nextId++, room, text, at: new Date() };
          await server.publish(api.chat.messages, { room }, msg);
          return msg;
        },
        messages: ({ room }, { ctx }) => {
          if (room === 'secret' && ctx.user !== 'admin') throw new AckwireError('FORBIDDEN', 'Not your room');
          return { room };
        },
      },
      types: { echo: (input) => input },
      faulty: {
        wrongOutput: () => ({ ok: 'yes' }) as unknown as { ok: boolean },
        throws: () => {
          throw new Error('secret database password in message');
        },
        forbidden: () => {
          throw new AckwireError('FORBIDDEN', 'No');
        },
      },
    },
    ...overrides,
  });
  return server;
}
