/**
 * Acknowledgements are cumulative and batched: far fewer ack frames than events and results. An ack for
 * results only rides with the next frame the client writes, or goes on its own once the client is quiet.
 *
 * The first two tests must run before any other in this file: the quiet-ack timer is shared by every client
 * in the process, and one started by an earlier test could fire in the middle of theirs.
 */
import { createClient, type WebSocketLike } from '@ackwire/client';
import { expect, it } from 'vitest';
import { inMemoryWebSocket } from '../helpers/in-memory-socket.js';
import { api, harness, sleep, type Harness } from '../helpers/reliability.js';
import type { MemorySessionStore } from '@ackwire/server';
import { internals } from '../helpers/internals.js';

let h: Harness;

/** The call ids the session's store holds (running or with a stored outcome). */
const ids = (h: Harness, sessionId: string): number[] => (internals(h.server).sessions.store as MemorySessionStore).callIds(sessionId);

it('over a real socket, a result is acknowledged by the next call, then, once the client is quiet, on its own', async () => {
  h = await harness();
  const client = h.client();
  await client.jobs.retryable({ key: 'a' }); // call 1
  const session = client.$sessionId!;
  await sleep(300); // past the ack's 100 ms: due, but it waits for a frame to ride with
  expect(ids(h, session)).toEqual([1]);

  await client.jobs.retryable({ key: 'b' }); // call 2 carries the ack for 1
  expect(ids(h, session)).toEqual([2]);
  // Nothing else to write: the ack for 2 goes on its own within 5 s.
  await expect.poll(() => ids(h, session), { timeout: 7_000, interval: 100 }).toEqual([]);
  expect(h.runs.get('a')).toBe(1);
  expect(h.runs.get('b')).toBe(1);
});

it('the riding ack is written in the same turn, right before the call, with a watermark that does not pass it', async () => {
  h = await harness();
  const Socket = inMemoryWebSocket(h.server);
  const client = createClient(api, { url: 'memory://', WebSocket: Socket as unknown as WebSocketLike });
  const frames = () => Socket.wire.sent.map((f) => JSON.parse(f) as unknown[]);
  await client.jobs.retryable({ key: 'c' }); // call 1
  await sleep(200);
  expect(frames().filter((f) => f[0] === 12)).toEqual([]);

  const second = client.jobs.retryable({ key: 'd' }); // call 2
  // Synchronously: both frames were written by the call itself.
  expect(frames().slice(-2)).toEqual([
    [12, 2],
    [3, 2, 'jobs.retryable', { key: 'd' }],
  ]);
  expect(await second).toEqual({ key: 'd', runs: 1 }); // the server did not take the call as acknowledged
  client.$close(); // and the close acknowledges the rest
  await expect.poll(() => frames().at(-1)).toEqual([12, 3]);
});

it('sends one ack frame per batch of results, carrying only the call watermark; events are not acknowledged', async () => {
  h = await harness();
  const Socket = inMemoryWebSocket(h.server);
  const client = createClient(api, { url: 'memory://', WebSocket: Socket as unknown as WebSocketLike });
  const offsets: number[] = [];
  await new Promise<void>((resolve) =>
    client.jobs.feed.subscribe({ topic: 'acks' }, { onData: (_e, info) => offsets.push(info.offset), onStarted: () => resolve() }),
  );
  const acks = () => Socket.wire.sent.map((f) => JSON.parse(f) as number[]).filter((f) => f[0] === 12);
  for (let n = 1; n <= 1000; n++) await h.server.publish(api.jobs.feed, 'acks', { n });
  await expect.poll(() => offsets.length).toBe(1000);
  await sleep(200); // past the 100 ms an ack could take to come due
  expect(acks()).toEqual([]);

  await Promise.all(Array.from({ length: 300 }, (_, i) => client.jobs.retryable({ key: `k${i}` })));
  const sessionId = client.$sessionId!;
  // The results' ack goes when the client is quiet, within 5 s.
  await expect.poll(() => ids(h, sessionId).length, { timeout: 7_000, interval: 100 }).toBe(0); // outcomes below the watermark are forgotten
  const frames = acks();
  expect(frames.at(-1)).toEqual([12, 302]); // every call acknowledged: ids 2 to 301, 302 next
  expect(frames.every((f) => f.length === 2)).toBe(true);
  expect(frames.length).toBeLessThanOrEqual(Math.ceil(300 / 64) + 3);
  // Cumulative: the watermark never goes back.
  const watermarks = frames.map((f) => f[1]!);
  expect(watermarks).toEqual([...watermarks].sort((a, b) => a - b));
  client.$close();
});

it('acknowledges the results after a call still running by range, and no range reaches the call being written', async () => {
  h = await harness();
  const Socket = inMemoryWebSocket(h.server);
  const client = createClient(api, { url: 'memory://', WebSocket: Socket as unknown as WebSocketLike });
  const acks = () => Socket.wire.sent.map((f) => JSON.parse(f) as unknown[]).filter((f) => f[0] === 12);
  let finish!: () => void;
  const gate = new Promise<void>((r) => (finish = r));
  h.during.set('slow', () => gate);
  const slow = client.jobs.run({ key: 'slow' }); // call 1, held by its handler
  await slow.received;
  // 64 results: the ack goes at once; the watermark stays at the running call, the rest go by range.
  await Promise.all(Array.from({ length: 64 }, (_, i) => client.jobs.run({ key: `q${i}` }))); // calls 2 to 65
  await expect.poll(() => acks().at(-1)).toEqual([12, 1, [2, 65]]);
  const sessionId = client.$sessionId!;
  // The quick outcomes are forgotten once the server has read the ack (input is handled a slice per turn),
  // the running call is kept.
  await expect.poll(() => ids(h, sessionId)).toEqual([1]);

  await client.jobs.retryable({ key: 'r' }); // call 66
  await sleep(200); // its ack is due and rides with the next call
  const next = client.jobs.retryable({ key: 's' }); // call 67
  expect(Socket.wire.sent.slice(-2).map((f) => JSON.parse(f) as unknown[])).toEqual([
    [12, 1, [2, 66]],
    [3, 67, 'jobs.retryable', { key: 's' }],
  ]);
  await next;
  finish();
  expect(await slow).toEqual({ key: 'slow', runs: 1 });
  await expect.poll(() => ids(h, sessionId), { timeout: 7_000, interval: 100 }).toEqual([]);
  client.$close();
});
