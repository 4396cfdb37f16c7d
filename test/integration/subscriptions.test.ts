import type { AckwireError, StartInfo } from '@ackwire/client';
import { describe, expect, it, vi } from 'vitest';
import { api } from '../helpers/fixtures.js';
import { once, useHarness } from '../helpers/harness.js';

const h = useHarness();

const msg = (id: number, room = 'a') => ({ id, room, text: `t${id}`, at: new Date(Date.UTC(2024, 0, 1, 0, 0, id)) });

describe('subscriptions', () => {
  it('start, then deliver events in order with offsets 1, 2, 3 and their data intact', async () => {
    const { url, server } = await h.fixtureServer();
    const client = h.client(api, { url });
    const started = once<[StartInfo]>();
    const got: Array<{ offset: number; epoch: string; value: unknown }> = [];
    client.chat.messages.subscribe({ room: 'a' }, { onData: (value, info) => got.push({ ...info, value }), onStarted: started.fn });
    const [info] = await started.called;
    expect(info).toMatchObject({ recovered: true, reason: undefined, offset: 0, resumed: false });
    expect(typeof info.epoch).toBe('string');
    expect(info.epoch.length).toBeGreaterThan(0);

    for (let i = 1; i <= 3; i++) await server.publish(api.chat.messages, { room: 'a' }, msg(i));
    await server.publish(api.chat.messages, { room: 'other' }, msg(99, 'other'));
    await expect.poll(() => got.length).toBe(3);
    expect(got.map((g) => g.offset)).toStrictEqual([1, 2, 3]);
    expect(got.map((g) => g.value)).toStrictEqual([msg(1), msg(2), msg(3)]);
    expect(got.every((g) => g.epoch === info.epoch)).toBe(true);
    expect((got[0]!.value as { at: Date }).at).toBeInstanceOf(Date);
  });

  it('events published through a call reach every subscriber of the topic', async () => {
    const { url } = await h.fixtureServer();
    const alice = h.client(api, { url });
    const bob = h.client(api, { url });
    const gotA: unknown[] = [];
    const gotB: unknown[] = [];
    const startedA = once<[StartInfo]>();
    const startedB = once<[StartInfo]>();
    alice.chat.messages.subscribe({ room: 'r' }, { onData: (m) => gotA.push(m), onStarted: startedA.fn });
    bob.chat.messages.subscribe({ room: 'r' }, { onData: (m) => gotB.push(m), onStarted: startedB.fn });
    await Promise.all([startedA.called, startedB.called]);
    const sent = await alice.chat.send({ room: 'r', text: 'hello' });
    await expect.poll(() => gotA.length + gotB.length).toBe(2);
    expect(gotA).toStrictEqual([sent]);
    expect(gotB).toStrictEqual([sent]);
  });

  it('the subscription offset tracks the last delivered event', async () => {
    const { url, server } = await h.fixtureServer();
    const client = h.client(api, { url });
    const started = once<[StartInfo]>();
    const sub = client.chat.messages.subscribe({ room: 'a' }, { onData: () => undefined, onStarted: started.fn });
    await started.called;
    expect(sub.offset).toBe(0);
    await server.publish(api.chat.messages, { room: 'a' }, msg(1));
    await server.publish(api.chat.messages, { room: 'a' }, msg(2));
    await expect.poll(() => sub.offset).toBe(2);
  });

  it('unsubscribe stops delivery; another subscription on the same topic keeps going', async () => {
    const { url, server } = await h.fixtureServer();
    const client = h.client(api, { url });
    const first: number[] = [];
    const second: number[] = [];
    const s1 = once<[StartInfo]>();
    const s2 = once<[StartInfo]>();
    const stop = client.chat.messages.subscribe({ room: 'a' }, { onData: (_m, i) => first.push(i.offset), onStarted: s1.fn });
    client.chat.messages.subscribe({ room: 'a' }, { onData: (_m, i) => second.push(i.offset), onStarted: s2.fn });
    await Promise.all([s1.called, s2.called]);
    await server.publish(api.chat.messages, { room: 'a' }, msg(1));
    await expect.poll(() => first.length + second.length).toBe(2);
    stop();
    stop.unsubscribe(); // a second stop is harmless
    await server.publish(api.chat.messages, { room: 'a' }, msg(2));
    await server.publish(api.chat.messages, { room: 'a' }, msg(3));
    // Events of one topic arrive in order on one socket: once the live subscription has offset 3, the
    // stopped one would have had 2 and 3 too.
    await expect.poll(() => second).toStrictEqual([1, 2, 3]);
    expect(first).toStrictEqual([1]);
  });

  it('after unsubscribe the server sends no more events on that socket', async () => {
    const { url, server } = await h.fixtureServer();
    const raw = await h.raw(url, ['ackwire.v1.superjson']);
    await raw.hello(server.fingerprint);
    raw.send([7, 1, 'chat.messages', { room: 'a' }]);
    const subscribed = await raw.next();
    expect(subscribed.slice(0, 3)).toStrictEqual([8, 1, 1]);
    await server.publish(api.chat.messages, { room: 'a' }, msg(1));
    const event = await raw.next();
    expect(event.slice(0, 3)).toStrictEqual([9, 1, 1]);
    raw.send([10, 1]);
    expect(await raw.flush()).toStrictEqual([]);
    await server.publish(api.chat.messages, { room: 'a' }, msg(2));
    expect(await raw.flush()).toStrictEqual([]);
  });

  it('a FORBIDDEN refusal from the subscription handler reaches onError; the connection stays up', async () => {
    const { url, server } = await h.fixtureServer();
    const client = h.client(api, { url });
    const closes = vi.fn();
    client.$on('close', closes);
    const onError = once<[AckwireError]>();
    const onStarted = vi.fn();
    const onData = vi.fn();
    client.chat.messages.subscribe({ room: 'secret' }, { onData, onStarted, onError: onError.fn });
    const [err] = await onError.called;
    expect(err.code).toBe('FORBIDDEN');
    expect(err.message).toBe('Not your room');
    expect(onStarted).not.toHaveBeenCalled();
    await server.publish(api.chat.messages, { room: 'secret' }, msg(1));
    expect(await client.math.add({ a: 1, b: 2 })).toBe(3);
    expect(onData).not.toHaveBeenCalled();
    expect(client.$state).toBe('open');
    expect(closes).not.toHaveBeenCalled();
  });

  it('the handler context decides: the same room is allowed for an admin', async () => {
    const { url } = await h.fixtureServer();
    const client = h.client(api, { url, params: { user: 'admin' } });
    const started = once<[StartInfo]>();
    const onError = vi.fn();
    client.chat.messages.subscribe({ room: 'secret' }, { onData: () => undefined, onStarted: started.fn, onError });
    const [info] = await started.called;
    expect(info).toMatchObject({ recovered: true });
    expect(onError).not.toHaveBeenCalled();
  });

  it('an invalid subscribe input is BAD_REQUEST with issues', async () => {
    const { url } = await h.fixtureServer();
    const client = h.client(api, { url });
    const onError = once<[AckwireError]>();
    client.chat.messages.subscribe({ room: 5 } as unknown as { room: string }, { onData: () => undefined, onError: onError.fn });
    const [err] = await onError.called;
    expect(err.code).toBe('BAD_REQUEST');
    expect((err.data as { issues: Array<{ path: unknown[] }> }).issues[0]!.path).toStrictEqual(['room']);
  });

  it('publish validates the event once, on the server, before any subscriber sees it', async () => {
    const { server } = await h.fixtureServer();
    await expect(server.publish(api.chat.messages, { room: 'a' }, { id: 'x' } as never)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
