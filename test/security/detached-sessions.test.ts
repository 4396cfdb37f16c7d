/**
 * Sessions waiting to be resumed are capped per client address and in all; the one detached longest ago is
 * ended first. Without the caps, a client that connects and leaves in a loop pinned a session per
 * connection for the whole retention window.
 */
import { expect, it } from 'vitest';
import { useHarness } from '../helpers/harness.js';
import { internals } from '../helpers/internals.js';

const h = useHarness();

/** Connect, get a session, hang up: the session waits to be resumed. */
async function abandon(url: string, fingerprint: string): Promise<[string, string]> {
  const raw = await h.raw(url);
  const welcome = await raw.hello(fingerprint);
  raw.close();
  return [welcome[2] as string, welcome[3] as string];
}

it('a client that connects and leaves in a loop keeps at most maxDetachedSessionsPerAddress sessions', async () => {
  const { server, url } = await h.fixtureServer({ limits: { maxDetachedSessionsPerAddress: 3 } });
  const runtime = internals(server);
  const sessions: Array<[string, string]> = [];
  for (let i = 0; i < 6; i++) {
    sessions.push(await abandon(url, server.fingerprint));
    await expect.poll(() => runtime.connections.size, { timeout: 5000 }).toBe(0);
    expect(runtime.sessions.size).toBe(Math.min(i + 1, 3));
    expect(runtime.sessions.detachedCount).toBe(Math.min(i + 1, 3));
  }
  expect(runtime.owners.size).toBe(3);
  // The newest resume; the oldest were ended: their client is told so (a new session, not resumed).
  const late = await h.raw(url);
  expect((await late.hello(server.fingerprint, null, sessions[0]))[4]).toBe(0);
  const recent = await h.raw(url);
  expect((await recent.hello(server.fingerprint, null, sessions[5]))[4]).toBe(1);
  expect(runtime.sessions.detachedCount).toBe(2); // one resumed; the new session of `late` is held
});

it('the total cap holds as well, and a resumed session no longer counts', async () => {
  const { server, url } = await h.fixtureServer({ limits: { maxDetachedSessions: 2 } });
  const runtime = internals(server);
  const sessions: Array<[string, string]> = [];
  for (let i = 0; i < 4; i++) sessions.push(await abandon(url, server.fingerprint));
  await expect.poll(() => runtime.connections.size, { timeout: 5000 }).toBe(0);
  expect(runtime.sessions.size).toBe(2);
  expect(runtime.sessions.detachedCount).toBe(2);
  const back = await h.raw(url);
  expect((await back.hello(server.fingerprint, null, sessions[3]))[4]).toBe(1);
  expect(runtime.sessions.detachedCount).toBe(1);
  await abandon(url, server.fingerprint);
  await expect.poll(() => runtime.sessions.detachedCount, { timeout: 5000 }).toBe(2);
  const kept = await h.raw(url);
  expect((await kept.hello(server.fingerprint, null, sessions[2]))[4]).toBe(1); // nothing was ended to make room
});
