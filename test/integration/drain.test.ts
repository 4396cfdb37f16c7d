/**
 * `server.close()` drains (packages/server/src/drain.ts) with the default in-memory session store, which no
 * other process can resume from: running calls finish and answer on their connection, new calls and new
 * connections are turned away, and then every connection closes with 1012, which the client retries after
 * a small jitter instead of its backoff. Real `ws` server on 127.0.0.1, real client.
 */
import { createClient, type CloseInfo } from '@ackwire/client';
import { createServer } from '@ackwire/server';
import { listen } from '@ackwire/server/ws';
import { afterEach, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { api } from '../helpers/reliability.js';

const quiet = { error: () => undefined, warn: () => undefined };
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A server whose `jobs.run` handler waits until the test lets it finish (or its signal aborts). */
async function gatedServer(drainTimeoutMs?: number) {
  const started = new Map<string, () => void>();
  const gates = new Map<string, () => void>();
  const aborted = new Set<string>();
  const runs = new Map<string, number>();
  const startedOnce = (key: string) => new Promise<void>((resolve) => started.set(key, resolve));
  const server = createServer(api, {
    logger: quiet,
    ...(drainTimeoutMs === undefined ? {} : { drainTimeoutMs }),
    handlers: {
      jobs: {
        run: async ({ key }, { signal }) => {
          runs.set(key, (runs.get(key) ?? 0) + 1);
          await new Promise<void>((resolve, reject) => {
            gates.set(key, resolve);
            signal.addEventListener('abort', () => {
              aborted.add(key);
              reject(signal.reason);
            });
            started.get(key)?.();
          });
          return { key, runs: runs.get(key)! };
        },
        retryable: ({ key }) => ({ key, runs: 1 }),
        feed: ({ topic }) => topic,
      },
    },
  });
  const listener = await listen(server, { port: 0 });
  cleanups.push(() => server.close());
  return { server, listener, gates, aborted, runs, startedOnce };
}

function client(url: string) {
  const c = createClient(api, { url, reconnect: { initialDelayMs: 5_000, maxDelayMs: 10_000, wakeJitterMs: 50 } });
  cleanups.push(() => c.$close());
  const closes: CloseInfo[] = [];
  c.$on('close', (info) => closes.push(info));
  return { c, closes };
}

const closedWith = (closes: CloseInfo[], code: number) => expect.poll(() => closes.map((x) => x.code), { timeout: 10_000 }).toContain(code);

it('close() lets a running call finish and answer on its connection, refuses new calls, then closes with 1012', async () => {
  const node = await gatedServer();
  const { c, closes } = client(node.listener.url);
  const slow = c.jobs.run({ key: 'slow' });
  await node.startedOnce('slow');

  let closed = false;
  const closing = node.server.close().then(() => (closed = true));
  // The connection stays open while its call runs; a call made now is refused, not run.
  await expect(c.jobs.run({ key: 'late' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  expect(node.runs.has('late')).toBe(false);
  expect(closed).toBe(false);

  node.gates.get('slow')!();
  await expect(slow).resolves.toEqual({ key: 'slow', runs: 1 });
  await closing;
  await closedWith(closes, 1012);
  const restart = closes.find((x) => x.code === 1012)!;
  // Retried at once (within the wake jitter), not after the 5 s backoff.
  expect(restart).toMatchObject({ kind: 'server-restart', willRetry: true });
  expect(restart.retryInMs).toBeLessThan(50);
  expect(node.aborted.size).toBe(0);
});

it('an idle connection is closed with 1012 at once, and an upgrade during the drain is turned away with 1012', async () => {
  const node = await gatedServer();
  const busy = client(node.listener.url);
  const idle = client(node.listener.url);
  await Promise.all([busy.c.$ready(), idle.c.$ready()]);
  const slow = busy.c.jobs.run({ key: 'slow' });
  await node.startedOnce('slow');
  const closing = node.server.close();
  await closedWith(idle.closes, 1012);

  const newcomer = client(node.listener.url);
  await closedWith(newcomer.closes, 1012);
  expect(newcomer.closes[0]).toMatchObject({ code: 1012, kind: 'server-restart', willRetry: true });

  node.gates.get('slow')!();
  await expect(slow).resolves.toEqual({ key: 'slow', runs: 1 });
  await closing;
});

it('a call still running at drainTimeoutMs has its signal aborted, and close() resolves', async () => {
  const node = await gatedServer(30);
  const { c } = client(node.listener.url);
  const stuck = c.jobs.run({ key: 'stuck' });
  stuck.catch(() => undefined);
  await node.startedOnce('stuck');
  await node.server.close();
  expect(node.aborted.has('stuck')).toBe(true);
  expect(node.runs.get('stuck')).toBe(1);
});

it('a second close() waits for the same drain', async () => {
  const node = await gatedServer();
  const { c } = client(node.listener.url);
  const slow = c.jobs.run({ key: 'slow' });
  await node.startedOnce('slow');
  const first = node.server.close();
  const second = node.server.close();
  let done = 0;
  void first.then(() => done++);
  void second.then(() => done++);
  await new Promise((r) => setImmediate(r));
  expect(done).toBe(0);
  node.gates.get('slow')!();
  await slow;
  await Promise.all([first, second]);
  expect(done).toBe(2);
});

it('an upgrade during the drain from a client without the negotiation token gets HTTP 503 with Retry-After: 0', async () => {
  const node = await gatedServer();
  const { c } = client(node.listener.url);
  const slow = c.jobs.run({ key: 'slow' });
  await node.startedOnce('slow');
  const closing = node.server.close();
  const ws = new WebSocket(node.listener.url, ['ackwire.v1.json']);
  const response = await new Promise<{ status: number | undefined; retryAfter: unknown }>((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode, retryAfter: res.headers['retry-after'] }));
    ws.on('open', () => reject(new Error('the upgrade was accepted during the drain')));
    ws.on('error', () => undefined);
  });
  ws.terminate();
  expect(response).toEqual({ status: 503, retryAfter: '0' });
  node.gates.get('slow')!();
  await slow;
  await closing;
});

