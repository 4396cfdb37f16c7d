/** Acknowledgements are cumulative and batched: far fewer ack frames than events and results. */
import { createClient, type WebSocketLike } from '@ackwire/client';
import { afterEach, expect, it } from 'vitest';
import { inMemoryWebSocket } from '../helpers/in-memory-socket.js';
import { api, harness, type Harness } from '../helpers/reliability.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

it('sends one ack frame per batch of events and results, carrying the call watermark and the last offset', async () => {
  h = await harness();
  const Socket = inMemoryWebSocket(h.server);
  const client = createClient(api, { url: 'memory://', WebSocket: Socket as unknown as WebSocketLike });
  const offsets: number[] = [];
  await new Promise<void>((resolve) =>
    client.jobs.feed.subscribe({ topic: 'acks' }, { onData: (_e, info) => offsets.push(info.offset), onStarted: () => resolve() }),
  );
  for (let n = 1; n <= 1000; n++) await h.server.publish(api.jobs.feed, 'acks', { n });
  await Promise.all(Array.from({ length: 300 }, (_, i) => client.jobs.retryable({ key: `k${i}` })));
  await expect.poll(() => offsets.length).toBe(1000);

  const acks = () => Socket.wire.sent.map((f) => JSON.parse(f) as number[]).filter((f) => f[0] === 12);
  await expect.poll(() => acks().at(-1)?.slice(2)).toEqual([expect.any(Number), 1000]);
  const frames = acks();
  expect(frames.length).toBeGreaterThan(0);
  expect(frames.length).toBeLessThanOrEqual(Math.ceil(1300 / 64) + 3);
  // Cumulative: the offset never goes back, and the last watermark covers every call.
  const acked = frames.map((f) => f[3] ?? 0);
  expect(acked).toEqual([...acked].sort((a, b) => a - b));
  const session = h.server.sessions.get(client.$sessionId!)!;
  await expect.poll(() => session.calls.size).toBe(0); // outcomes below the watermark are forgotten
  client.$close();
});
