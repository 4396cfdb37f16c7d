/**
 * Ended and expired sessions are let go at once: the revocation index used to keep them (with the context
 * they were authenticated with) until a later hello happened to prune it, so an idle server never gave
 * their memory back.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, it } from 'vitest';
import { useHarness } from '../helpers/harness.js';
import { api } from '../helpers/fixtures.js';
import { internals } from '../helpers/internals.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const h = useHarness();

/** True once `ref`'s target has been collected (bounded: false after about 3 s). */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 60; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
    if (ref.deref() === undefined) return true;
  }
  return false;
}

it('an expired session leaves the revocation index and is collected on an idle server', async () => {
  const { server, url } = await h.fixtureServer({ sessionRetentionMs: 20 });
  const client = h.client(api, { url, reconnect: { maxAttempts: 0 } });
  await client.$ready();
  const runtime = internals(server);
  const ref = new WeakRef(runtime.sessions.get(client.$sessionId!)!);
  expect(runtime.owners.size).toBe(1);
  client.$close();
  await expect.poll(() => runtime.sessions.size, { timeout: 3000 }).toBe(0);
  expect(runtime.owners.size).toBe(0); // no hello came to prune it
  expect(await collected(ref), 'the expired session is still referenced').toBe(true);
});

it('sessions ended by the server leave the revocation index at once', async () => {
  const { server, url } = await h.fixtureServer();
  const clients = [h.client(api, { url, reconnect: { maxAttempts: 0 } }), h.client(api, { url, reconnect: { maxAttempts: 0 } })];
  await Promise.all(clients.map((c) => c.$ready()));
  const runtime = internals(server);
  expect(runtime.owners.size).toBe(2);
  runtime.sessions.end(runtime.sessions.get(clients[0]!.$sessionId!)!);
  expect(runtime.owners.size).toBe(1);
  runtime.sessions.endAll();
  expect(runtime.owners.size).toBe(0);
});
