/**
 * Publishing to many subscribers: every subscriber gets every event exactly once and in order, and the event
 * frame is built once per topic and codec, not once per subscriber.
 */
import type { StartInfo } from '@ackwire/client';
import { contract, jsonCodec, subscription, superjsonCodec } from '@ackwire/core';
import { createServer } from '@ackwire/server';
import { expect, it, vi } from 'vitest';
import { z } from 'zod';
import { once, useHarness } from '../helpers/harness.js';
import { internals } from '../helpers/internals.js';

const h = useHarness();

const feed = contract({
  feed: { items: subscription({ input: z.object({ room: z.string() }), event: z.object({ room: z.string(), n: z.number().int() }) }) },
});

const CLIENTS = 50;
const ROOMS = ['r0', 'r1', 'r2', 'r3'];
const EVENTS = 100;

const isEvent = (value: unknown): boolean => typeof value === 'object' && value !== null && 'n' in value && 'room' in value;

it(`${CLIENTS} clients x ${ROOMS.length} subscriptions, ${EVENTS} events per topic: each exactly once, in order, encoded once per topic and codec`, async () => {
  // Spies go in before any connection exists: a connection may keep a reference to its codec's functions.
  const superjsonEncode = vi.spyOn(superjsonCodec, 'encode');
  const jsonEncode = vi.spyOn(jsonCodec, 'encode');
  h.defer(() => {
    superjsonEncode.mockRestore();
    jsonEncode.mockRestore();
  });
  const server = createServer(feed, { handlers: { feed: { items: ({ room }) => ({ room }) } } });
  const { url } = await h.listen(server);

  // Every third client speaks plain JSON, so both codecs are in use on every topic.
  const subs: Array<{ room: string; got: Array<{ offset: number; n: number; room: string }> }> = [];
  const starts: Array<Promise<unknown>> = [];
  for (let c = 0; c < CLIENTS; c++) {
    const client = h.client(feed, { url, subprotocols: c % 3 === 0 ? ['ackwire.v1.json'] : ['ackwire.v1.superjson'] });
    // Every fifth client holds two subscriptions to the first room: both must get every event once.
    const rooms = c % 5 === 0 ? [...ROOMS, ROOMS[0]!] : ROOMS;
    for (const room of rooms) {
      const sub = { room, got: [] as Array<{ offset: number; n: number; room: string }> };
      subs.push(sub);
      const started = once<[StartInfo]>();
      starts.push(started.called);
      client.feed.items.subscribe({ room }, { onData: (e, info) => sub.got.push({ offset: info.offset, ...e }), onStarted: started.fn });
    }
  }
  await Promise.all(starts);
  const codecsInUse = [...internals(server).connections].map((c) => c.codec.name);
  expect(codecsInUse.filter((n) => n === 'json')).toHaveLength(Math.ceil(CLIENTS / 3));
  expect(codecsInUse).toHaveLength(CLIENTS);

  superjsonEncode.mockClear();
  jsonEncode.mockClear();
  // Every frame handed to a connection, to check that subscribers of one codec share the same bytes.
  const connectionProto = Object.getPrototypeOf([...internals(server).connections][0]) as { deliver: (...args: unknown[]) => void };
  const deliver = vi.spyOn(connectionProto, 'deliver');
  h.defer(() => deliver.mockRestore());

  const began = performance.now();
  for (let n = 1; n <= EVENTS; n++) for (const room of ROOMS) await server.publish(feed.feed.items, { room }, { room, n });
  const expectedTotal = subs.length * EVENTS;
  await expect.poll(() => subs.reduce((sum, s) => sum + s.got.length, 0), { timeout: 10_000 }).toBe(expectedTotal);
  const elapsed = performance.now() - began;

  for (const sub of subs) {
    expect(sub.got.map((g) => g.offset)).toStrictEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));
    expect(sub.got.map((g) => g.n)).toStrictEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));
    expect(sub.got.every((g) => g.room === sub.room)).toBe(true);
  }
  const eventEncodes = (spy: typeof superjsonEncode) => spy.mock.calls.filter(([value]) => isEvent(value)).length;
  expect(eventEncodes(superjsonEncode)).toBe(ROOMS.length * EVENTS);
  expect(eventEncodes(jsonEncode)).toBe(ROOMS.length * EVENTS);
  const framesPerEvent = new Map<string, Set<unknown>>();
  for (const [topic, offset, frame] of deliver.mock.calls) {
    const key = `${(topic as { ref: number }).ref}:${offset as number}`;
    let frames = framesPerEvent.get(key);
    if (!frames) framesPerEvent.set(key, (frames = new Set()));
    frames.add(frame);
  }
  expect(framesPerEvent.size).toBe(ROOMS.length * EVENTS);
  for (const frames of framesPerEvent.values()) expect(frames.size).toBe(2); // one per codec
  console.info(`fan-out: ${subs.length} subscriptions, ${expectedTotal} events delivered in ${elapsed.toFixed(0)} ms`);
});
