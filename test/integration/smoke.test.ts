import { createClient } from '@ackwire/client';
import { afterEach, describe, expect, it } from 'vitest';
import { api, makeServer } from '../helpers/fixtures.js';
import { listen } from '@ackwire/server/ws';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('smoke', () => {
  it('calls and subscribes over a real socket', async () => {
    const server = makeServer();
    const listener = await listen(server, { port: 0 });
    cleanups.push(() => server.close());
    const client = createClient(api, { url: listener.url });
    cleanups.push(() => client.$close());
    expect(await client.math.add({ a: 2, b: 3 })).toBe(5);
    const got: unknown[] = [];
    await new Promise<void>((resolve) => {
      client.chat.messages.subscribe({ room: 'a' }, { onData: (m) => got.push(m), onStarted: () => resolve() });
    });
    const sent = await client.chat.send({ room: 'a', text: 'hi' });
    expect(sent.at).toBeInstanceOf(Date);
    await expect.poll(() => got.length).toBe(1);
  });
});
