/** Regression: under ackwire.v1.json an undefined input or output travels as null and must still pass z.void(). */
import { createClient } from '@ackwire/client';
import { contract, procedure } from '@ackwire/core';
import { createServer } from '@ackwire/server';
import { afterEach, expect, it } from 'vitest';
import { z } from 'zod';
import { listen } from '@ackwire/server/ws';

const api = contract({
  ping: procedure({ input: z.void(), output: z.void() }),
  maybe: procedure({ input: z.object({ n: z.number() }).optional(), output: z.number().optional() }),
});
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it('void and optional inputs and outputs work with the json codec', async () => {
  let pinged = 0;
  const server = createServer(api, { handlers: { ping: () => void pinged++, maybe: (input) => input?.n } });
  const { url } = await listen(server, { port: 0 });
  cleanups.push(() => server.close());
  const client = createClient(api, { url, subprotocols: ['ackwire.v1.json'] });
  cleanups.push(() => client.$close());
  expect(await client.ping()).toBeUndefined();
  expect(pinged).toBe(1);
  expect(await client.maybe()).toBeUndefined();
  expect(await client.maybe({ n: 3 })).toBe(3);
});
