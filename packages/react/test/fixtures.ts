/** A contract and a real server on 127.0.0.1 for the hooks' tests, counting what the server runs. */
import { contract, procedure, subscription } from '@ackwire/core';
import { createServer } from '@ackwire/server';
import { z } from 'zod';
import { listen } from '@ackwire/server/ws';

export const api = contract({
  notes: {
    list: procedure({ input: z.object({ board: z.string() }), output: z.array(z.object({ id: z.number(), text: z.string() })), idempotent: true }),
    add: procedure({ input: z.object({ board: z.string(), text: z.string().min(1) }), output: z.object({ id: z.number(), text: z.string() }) }),
    slow: procedure({ input: z.object({ ms: z.number().int().max(5_000) }), output: z.literal('done') }),
    added: subscription({ input: z.object({ board: z.string() }), event: z.object({ id: z.number(), text: z.string() }) }),
  },
});
export type Api = typeof api;

export async function startServer() {
  const boards = new Map<string, Array<{ id: number; text: string }>>();
  const counts = { subscribes: 0, adds: 0, lists: 0 };
  let id = 0;
  let gate: Promise<void> | undefined;
  const server = createServer(api, {
    logger: { error: () => undefined, warn: () => undefined },
    handlers: {
      notes: {
        list: ({ board }) => {
          counts.lists++;
          return boards.get(board) ?? [];
        },
        add: async ({ board, text }) => {
          counts.adds++;
          await gate;
          const note = { id: ++id, text };
          boards.set(board, [...(boards.get(board) ?? []), note]);
          await server.publish(api.notes.added, board, note);
          return note;
        },
        slow: async ({ ms }) => {
          await new Promise((r) => setTimeout(r, ms));
          return 'done' as const;
        },
        added: ({ board }) => {
          counts.subscribes++;
          return board;
        },
      },
    },
  });
  const listener = await listen(server);
  return {
    server,
    url: listener.url,
    counts,
    /** Hold `add` handlers until the returned function is called. */
    hold(): () => void {
      let open!: () => void;
      gate = new Promise<void>((r) => (open = r));
      return () => {
        gate = undefined;
        open();
      };
    },
    close: async () => {
      await listener.close();
      await server.close();
    },
  };
}

/** Poll `check` until it returns without throwing; fails with its last error after `ms`. */
export async function eventually(check: () => void, what: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() > until) throw new Error(`${what}: not within ${ms} ms: ${(err as Error).message}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}
