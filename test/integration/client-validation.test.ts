/**
 * The client checks what a server sends against the contract. A hand-written server (raw-server.ts) sends
 * results and events that a correct Ackwire server would never send.
 */
import { AckwireError } from '@ackwire/client';
import { describe, expect, it, vi } from 'vitest';
import { api } from '../helpers/fixtures.js';
import { once, rejection, useHarness } from '../helpers/harness.js';

const h = useHarness();

const message = (id: number, at = '2024-01-01T00:00:00.000Z') => ({ id, room: 'a', text: `m${id}`, at });
const dateMeta = { values: { at: ['Date'] } };

describe('results', () => {
  it('a result that violates the contract rejects with PROTOCOL_ERROR; the connection stays up', async () => {
    const server = await h.rawServer((frame, peer) => {
      if (frame[0] !== 3) return;
      const [, id, path, input] = frame as [number, number, string, { a: number; b: number }];
      if (path !== 'math.add') return;
      peer.send(input.a === 0 ? [5, id, 'not a number'] : [5, id, input.a + input.b]);
    });
    const client = h.client(api, { url: server.url });
    const closes = vi.fn();
    client.$on('close', closes);
    let err: unknown;
    try {
      await client.math.add({ a: 0, b: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AckwireError);
    expect((err as AckwireError).code).toBe('PROTOCOL_ERROR');
    expect((err as AckwireError).message).toContain('math.add');
    expect((err as AckwireError).data).toMatchObject({ issues: [expect.objectContaining({ code: 'invalid_type' })] });
    expect(await client.math.add({ a: 2, b: 3 })).toBe(5);
    expect(closes).not.toHaveBeenCalled();
  });

  it('a result is parsed by the output schema: superjson metadata rebuilds a Date', async () => {
    const server = await h.rawServer((frame, peer) => {
      if (frame[0] === 3) peer.send([5, frame[1], message(7), dateMeta]);
    });
    const client = h.client(api, { url: server.url });
    const out = await client.chat.send({ room: 'a', text: 'x' });
    expect(out.at).toBeInstanceOf(Date);
    expect(out).toStrictEqual({ id: 7, room: 'a', text: 'm7', at: new Date('2024-01-01T00:00:00.000Z') });
  });

  it('with validate: false a wrong result is passed through as sent', async () => {
    const server = await h.rawServer((frame, peer) => {
      if (frame[0] === 3) peer.send([5, frame[1], 'not a number']);
    });
    const client = h.client(api, { url: server.url, validate: false });
    expect(await client.math.add({ a: 1, b: 1 })).toBe('not a number');
  });

  // Regression: an undecodable frame was handled as a fatal close 4400 and pending calls failed with
  // CONNECTION_CLOSED; errors.ts defines PROTOCOL_ERROR for "something the client could not decode".
  it('an undecodable frame from the server fails pending calls with PROTOCOL_ERROR', async () => {
    const server = await h.rawServer((frame, peer) => {
      if (frame[0] === 3) peer.send('[5, not json');
    });
    const client = h.client(api, { url: server.url, reconnect: { maxAttempts: 0 } });
    expect((await rejection(client.math.add({ a: 1, b: 1 }))).code).toBe('PROTOCOL_ERROR');
  });

  it('a binary frame from the server fails pending calls with PROTOCOL_ERROR; the client closes and says why', async () => {
    const closed = once<[number, string]>();
    const server = await h.rawServer((frame, peer) => {
      if (frame[0] !== 3) return;
      peer.socket.once('close', (code, reason) => closed.fn(code, reason.toString()));
      peer.socket.send(Buffer.from(JSON.stringify([5, frame[1], 2])), { binary: true });
    });
    const client = h.client(api, { url: server.url, reconnect: { maxAttempts: 0 } });
    expect((await rejection(client.math.add({ a: 1, b: 1 }))).code).toBe('PROTOCOL_ERROR');
    // Like every close the client decides on, it goes out as 1000 with the reason (docs/protocol.md).
    expect(await closed.called).toStrictEqual([1000, 'binary frame from server']);
  });
});

describe('events', () => {
  it('an event that violates the contract reaches onError; later valid events still arrive', async () => {
    const server = await h.rawServer((frame, peer) => {
      if (frame[0] !== 7) return;
      const id = frame[1];
      peer.send([8, id, 1, 'epoch-1', 0]);
      peer.send([9, 1, 1, message(1), dateMeta]);
      peer.send([9, 1, 2, { id: 'two', room: 'a' }]);
      peer.send([9, 1, 3, message(3, '2024-01-03T00:00:00.000Z'), dateMeta]);
    });
    const client = h.client(api, { url: server.url });
    const data: Array<{ offset: number; value: unknown }> = [];
    const errors: AckwireError[] = [];
    const started = once<[unknown]>();
    client.chat.messages.subscribe(
      { room: 'a' },
      { onData: (value, info) => data.push({ offset: info.offset, value }), onError: (e) => errors.push(e), onStarted: started.fn },
    );
    const [info] = await started.called;
    expect(info).toMatchObject({ recovered: true, epoch: 'epoch-1', offset: 0, resumed: false });
    await expect.poll(() => data.length).toBe(2);
    expect(data.map((d) => d.offset)).toStrictEqual([1, 3]);
    expect(data[0]!.value).toStrictEqual({ id: 1, room: 'a', text: 'm1', at: new Date('2024-01-01T00:00:00.000Z') });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(AckwireError);
    expect(errors[0]!.code).toBe('PROTOCOL_ERROR');
    expect(errors[0]!.message).toContain('chat.messages');
    expect(errors[0]!.data).toMatchObject({ offset: 2 });
  });

  it('an event with a string where the contract has z.date() (no superjson metadata) is refused', async () => {
    const server = await h.rawServer((frame, peer) => {
      if (frame[0] !== 7) return;
      peer.send([8, frame[1], 1, 'e', 0]);
      peer.send([9, 1, 1, message(1)]);
    });
    const client = h.client(api, { url: server.url });
    const onError = once<[AckwireError]>();
    const onData = vi.fn();
    client.chat.messages.subscribe({ room: 'a' }, { onData, onError: onError.fn });
    const [err] = await onError.called;
    expect(err.code).toBe('PROTOCOL_ERROR');
    expect(onData).not.toHaveBeenCalled();
  });

  it('a server error for a subscribe reaches onError with its code', async () => {
    const server = await h.rawServer((frame, peer) => {
      if (frame[0] === 7) peer.send([6, frame[1], 'FORBIDDEN', 'nope']);
    });
    const client = h.client(api, { url: server.url });
    const onError = once<[AckwireError]>();
    client.chat.messages.subscribe({ room: 'a' }, { onData: () => undefined, onError: onError.fn });
    const [err] = await onError.called;
    expect(err.code).toBe('FORBIDDEN');
    expect(err.message).toBe('nope');
  });
});
