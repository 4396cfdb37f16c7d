/**
 * The server as a client in another language would see it: frames written by hand from the protocol
 * description, over a real socket, and the exact frames and close codes that come back.
 */
import { describe, expect, it } from 'vitest';
import { makeServer } from '../helpers/fixtures.js';
import { useHarness } from '../helpers/harness.js';
import { listen } from '@ackwire/server/ws';
import { internals } from '../helpers/internals.js';
import type { MemorySessionStore } from '@ackwire/server';

const h = useHarness();

async function connected(protocol = 'ackwire.v1.json', overrides: Parameters<typeof makeServer>[0] = {}) {
  const { url, server } = await h.fixtureServer(overrides);
  const raw = await h.raw(url, [protocol]);
  expect(raw.protocol).toBe(protocol);
  return { raw, server, url };
}

describe('hello and welcome', () => {
  it('a valid hello gets a welcome: version 1, session id, resume token, not resumed, last id', async () => {
    const { raw, server } = await connected();
    const welcome = await raw.hello(server.fingerprint);
    expect(welcome[0]).toBe(2);
    expect(welcome[1]).toBe(1);
    expect(welcome[2]).toEqual(expect.any(String));
    expect(welcome[3]).toEqual(expect.any(String));
    expect(welcome[2]).not.toBe(welcome[3]);
    expect(welcome[4]).toBe(0);
    expect(welcome[5]).toBe(0);
    expect(welcome).toHaveLength(7);
  });

  it('ping is answered with pong, before and after other traffic', async () => {
    const { raw, server } = await connected();
    await raw.hello(server.fingerprint);
    raw.send([14]);
    expect(await raw.next()).toStrictEqual([15]);
  });

  it('a second hello closes with 4429', async () => {
    const { raw, server } = await connected();
    await raw.hello(server.fingerprint);
    raw.send([1, 1, server.fingerprint, null]);
    expect((await raw.closed).code).toBe(4429);
  });

  it('a first message that is not hello closes with 4400', async () => {
    for (const first of [[14], [3, 1, 'math.add', { a: 1, b: 2 }], [12, 0]]) {
      const { raw } = await connected();
      raw.send(first);
      const closed = await raw.closed;
      expect(closed.code, JSON.stringify(first)).toBe(4400);
      expect(closed.reason).toContain('hello');
    }
  });

  it('another protocol version closes with 4426', async () => {
    const { raw, server } = await connected();
    raw.send([1, 2, server.fingerprint, null]);
    expect((await raw.closed).code).toBe(4426);
  });

  it('another contract fingerprint closes with 4412, naming both fingerprints', async () => {
    const { raw, server } = await connected();
    raw.send([1, 1, 'ffffffffffffffff', null]);
    const closed = await raw.closed;
    expect(closed.code).toBe(4412);
    expect(closed.reason).toContain(server.fingerprint);
    expect(closed.reason).toContain('ffffffffffffffff');
  });

  it('no hello within helloTimeoutMs closes with 4408', async () => {
    const { raw } = await connected('ackwire.v1.json', { helloTimeoutMs: 100 });
    const began = Date.now();
    const closed = await raw.closed;
    expect(closed.code).toBe(4408);
    expect(Date.now() - began).toBeGreaterThanOrEqual(90);
    expect(Date.now() - began).toBeLessThan(2000);
  });

  it('a hello in time cancels the hello timeout', async () => {
    const { raw, server } = await connected('ackwire.v1.json', { helloTimeoutMs: 100 });
    await raw.hello(server.fingerprint);
    await new Promise((r) => setTimeout(r, 200));
    raw.send([14]);
    expect(await raw.next()).toStrictEqual([15]);
  });
});

describe('frames sent before the welcome', () => {
  const slowContext = { context: () => new Promise<{ user: string }>((resolve) => setTimeout(() => resolve({ user: 'anon' }), 100)) };

  it('a call sent right behind the hello is answered after the welcome', async () => {
    const { raw, server } = await connected('ackwire.v1.json', slowContext);
    raw.send([1, 1, server.fingerprint, null]);
    raw.send([3, 1, 'math.add', { a: 2, b: 2 }]);
    raw.send([14]);
    expect((await raw.next())[0]).toBe(2);
    expect(await raw.next()).toStrictEqual([5, 1, 4]);
    expect(await raw.next()).toStrictEqual([15]);
  });

  it('more than maxEarlyFrames before the welcome closes with 4400', async () => {
    const { raw, server } = await connected('ackwire.v1.json', { ...slowContext, limits: { maxEarlyFrames: 4 } });
    raw.send([1, 1, server.fingerprint, null]);
    for (let i = 0; i < 5; i++) raw.send([14]);
    const closed = await raw.closed;
    expect(closed.code).toBe(4400);
  });
});

describe('subscriptions', () => {
  it('subscribe: [8, id, topic, epoch, offset], then [9, topic, offset, data, meta]', async () => {
    const { raw, server } = await connected('ackwire.v1.superjson');
    await raw.hello(server.fingerprint);
    raw.send([7, 3, 'chat.messages', { room: 'a' }]);
    const subscribed = await raw.next();
    expect(subscribed).toStrictEqual([8, 3, expect.any(Number), expect.any(String), 0]);
    const topic = subscribed[2];
    await server.publish(server.contract.chat.messages, { room: 'a' }, { id: 1, room: 'a', text: 'x', at: new Date(0) });
    const event = await raw.next();
    expect(event.slice(0, 4)).toStrictEqual([9, topic, 1, { id: 1, room: 'a', text: 'x', at: '1970-01-01T00:00:00.000Z' }]);
    expect(event[4]).toMatchObject({ values: { at: ['Date'] } });
  });

  it('an unknown subscription is NOT_FOUND', async () => {
    const { raw, server } = await connected();
    await raw.hello(server.fingerprint);
    raw.send([7, 1, 'chat.nothing', null]);
    expect((await raw.next()).slice(0, 3)).toStrictEqual([6, 1, 'NOT_FOUND']);
  });

  it('a subscribe reusing an active subscription id closes with 4409', async () => {
    const { raw, server } = await connected();
    await raw.hello(server.fingerprint);
    raw.send([7, 1, 'chat.messages', { room: 'a' }]);
    expect((await raw.next())[0]).toBe(8);
    raw.send([7, 1, 'chat.messages', { room: 'b' }]);
    expect((await raw.closed).code).toBe(4409);
  });
});

describe('malformed frames close with 4400', () => {
  const bad = ['not json', '{"type":1}', '[]', '[99]', '[5,1,null]', '[3,0,"math.add",null]', '[10]', `[3,1,"${'p'.repeat(257)}",null]`, '[12,0,1]'];
  for (const text of bad) {
    it(`after hello: ${text.slice(0, 30)}`, async () => {
      const { raw, server } = await connected();
      await raw.hello(server.fingerprint);
      raw.send(text);
      expect((await raw.closed).code).toBe(4400);
    });
  }

  it('before hello: not JSON', async () => {
    const { raw } = await connected();
    raw.send('nope');
    expect((await raw.closed).code).toBe(4400);
  });
});

describe('calls', () => {
  it('a synchronous handler: result only, [5, id, output]', async () => {
    const { raw, server } = await connected();
    await raw.hello(server.fingerprint);
    raw.send([3, 1, 'math.add', { a: 1, b: 2 }]);
    expect(await raw.next()).toStrictEqual([5, 1, 3]);
  });

  it('an asynchronous handler: receipt [4, id] first, then the result', async () => {
    const { raw, server } = await connected();
    await raw.hello(server.fingerprint);
    raw.send([3, 7, 'math.slow', { ms: 50 }]);
    expect(await raw.next()).toStrictEqual([4, 7]);
    expect(await raw.next()).toStrictEqual([5, 7, 'done']);
  });

  it('concurrent calls: each id is receipted once, before its result', async () => {
    const { raw, server } = await connected();
    await raw.hello(server.fingerprint);
    raw.send([3, 1, 'math.slow', { ms: 60 }]);
    raw.send([3, 2, 'math.slow', { ms: 30 }]);
    raw.send([3, 3, 'math.add', { a: 1, b: 1 }]);
    // Receipts may be batched ([4, 1, 2]) or not; a call that finished at once gets none.
    const seen: Array<[string, number]> = [];
    while (seen.filter(([kind]) => kind === 'result').length < 3) {
      const frame = await raw.next();
      if (frame[0] === 4) for (const id of frame.slice(1) as number[]) seen.push(['receipt', id]);
      else if (frame[0] === 5) seen.push(['result', frame[1] as number]);
      else throw new Error(`unexpected frame ${JSON.stringify(frame)}`);
    }
    const receipts = seen.filter(([kind]) => kind === 'receipt').map(([, id]) => id);
    expect(receipts.sort()).toStrictEqual([1, 2]);
    for (const id of [1, 2]) {
      expect(seen.findIndex(([k, i]) => k === 'receipt' && i === id)).toBeLessThan(seen.findIndex(([k, i]) => k === 'result' && i === id));
    }
  });

  it('superjson payloads carry their metadata both ways', async () => {
    const { raw, server } = await connected('ackwire.v1.superjson');
    await raw.hello(server.fingerprint);
    const json = { when: '2024-01-02T03:04:05.000Z', big: '123456789012345678901', tags: ['a'], map: [['k', 1]] };
    const meta = { values: { when: ['Date'], big: ['bigint'], tags: ['set'], map: ['map'] } };
    raw.send([3, 1, 'types.echo', json, meta]);
    const result = await raw.next();
    expect(result.slice(0, 3)).toStrictEqual([5, 1, json]);
    expect(result[3]).toMatchObject(meta);
  });

  it('bad input: [6, id, "BAD_REQUEST", message, {issues}], and the connection stays up', async () => {
    const { raw, server } = await connected();
    await raw.hello(server.fingerprint);
    raw.send([3, 1, 'math.add', { a: 'x', b: 2 }]);
    const error = await raw.next();
    expect(error.slice(0, 3)).toStrictEqual([6, 1, 'BAD_REQUEST']);
    expect(typeof error[3]).toBe('string');
    expect(error[4]).toMatchObject({ issues: [{ path: ['a'], code: 'invalid_type' }] });
    raw.send([3, 2, 'math.add', { a: 1, b: 2 }]);
    expect(await raw.next()).toStrictEqual([5, 2, 3]);
  });

  it('bad superjson metadata: BAD_REQUEST for that id, and the connection stays up', async () => {
    const { raw, server } = await connected('ackwire.v1.superjson');
    await raw.hello(server.fingerprint);
    raw.send([3, 4, 'math.add', { a: 1, b: 2 }, { values: ['nope'] }]);
    expect((await raw.next()).slice(0, 3)).toStrictEqual([6, 4, 'BAD_REQUEST']);
    raw.send([3, 5, 'math.add', { a: 1, b: 2 }]);
    expect(await raw.next()).toStrictEqual([5, 5, 3]);
  });

  it('a deadline in the call frame ends the call with TIMEOUT', async () => {
    const { raw, server } = await connected();
    await raw.hello(server.fingerprint);
    raw.send([3, 1, 'math.slow', { ms: 5000 }, null, 30]);
    expect(await raw.next()).toStrictEqual([4, 1]);
    expect((await raw.next()).slice(0, 3)).toStrictEqual([6, 1, 'TIMEOUT']);
  });

  it('a cancel ends the call with CANCELLED', async () => {
    const { raw, server } = await connected();
    await raw.hello(server.fingerprint);
    raw.send([3, 1, 'math.slow', { ms: 5000 }]);
    expect(await raw.next()).toStrictEqual([4, 1]);
    raw.send([13, 1]);
    expect((await raw.next()).slice(0, 3)).toStrictEqual([6, 1, 'CANCELLED']);
  });

  it('a retried call id runs once: the same outcome frame is sent again', async () => {
    const { raw, server } = await connected('ackwire.v1.superjson');
    await raw.hello(server.fingerprint);
    raw.send([3, 9, 'chat.send', { room: 'r', text: 'once' }]);
    const first = await raw.next();
    expect(first.slice(0, 2)).toStrictEqual([5, 9]);
    raw.send([3, 9, 'chat.send', { room: 'r', text: 'once' }]);
    expect(await raw.next()).toStrictEqual(first);
    raw.send([3, 10, 'chat.send', { room: 'r', text: 'twice' }]);
    const next = await raw.next();
    expect((next[2] as { id: number }).id).toBe((first[2] as { id: number }).id + 1);
  });
});

describe('binary frames', () => {
  it('a binary frame holding UTF-8 JSON is read like a text frame', async () => {
    const { raw, server } = await connected();
    raw.send(Buffer.from(JSON.stringify([1, 1, server.fingerprint, { name: 'zoë' }]), 'utf8'));
    expect((await raw.next())[0]).toBe(2);
    raw.send(Buffer.from(JSON.stringify([3, 1, 'math.add', { a: 20, b: 22 }]), 'utf8'));
    expect(await raw.next()).toStrictEqual([5, 1, 42]);
  });

  it('a binary frame that is not valid UTF-8 closes with 4400', async () => {
    const { raw, server } = await connected();
    await raw.hello(server.fingerprint);
    raw.send(Buffer.from([0x5b, 0x31, 0x34, 0xff, 0xfe, 0x5d]));
    const closed = await raw.closed;
    expect(closed.code).toBe(4400);
    expect(closed.reason).toContain('UTF-8');
  });

  it('the same before hello', async () => {
    const { raw } = await connected();
    raw.send(Buffer.from([0xc3, 0x28]));
    expect((await raw.closed).code).toBe(4400);
  });
});

describe('limits', () => {
  it('calls beyond maxInFlight get TOO_MANY_REQUESTS; the others run', async () => {
    const { raw, server } = await connected('ackwire.v1.json', { limits: { maxInFlight: 2 } });
    await raw.hello(server.fingerprint);
    raw.send([3, 1, 'math.slow', { ms: 50 }]);
    raw.send([3, 2, 'math.slow', { ms: 50 }]);
    raw.send([3, 3, 'math.slow', { ms: 50 }]);
    const outcomes = new Map<unknown, unknown[]>();
    while (outcomes.size < 3) {
      const frame = await raw.next();
      if (frame[0] !== 4) outcomes.set(frame[1], frame.slice(0, 3));
    }
    expect(outcomes.get(3)).toStrictEqual([6, 3, 'TOO_MANY_REQUESTS']);
    expect(outcomes.get(1)).toStrictEqual([5, 1, 'done']);
    expect(outcomes.get(2)).toStrictEqual([5, 2, 'done']);
  });

  it('a frame over maxPayload closes with 1009', async () => {
    const server = makeServer();
    h.defer(() => server.close());
    const listener = await listen(server, { port: 0, maxPayload: 1024 });
    const raw = await h.raw(listener.url, ['ackwire.v1.json']);
    await raw.hello(server.fingerprint);
    raw.send([3, 1, 'chat.send', { room: 'r', text: 'x'.repeat(2000) }]);
    expect((await raw.closed).code).toBe(1009);
  });
});

describe('docs/protocol.md §15, the worked session', () => {
  it('replays frame by frame, including a drop, a resume, a deduped call and a replayed event', async () => {
    const { url, server } = await h.fixtureServer();
    const fp = server.fingerprint;
    const isoDate = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const dateMeta = expect.objectContaining({ values: { at: ['Date'] } });

    const first = await h.raw(url, ['ackwire.v1.superjson', 'ackwire.v1.json', 'ackwire']);
    expect(first.protocol).toBe('ackwire.v1.superjson');
    first.send([1, 1, fp, { user: 'ada' }]);
    const welcome = await first.next();
    expect(welcome).toStrictEqual([2, 1, expect.any(String), expect.any(String), 0, 0, { maxInFlight: 256, maxPayload: 1048576 }]);
    const [, , sessionId, token] = welcome as [number, number, string, string];

    first.send([3, 1, 'math.add', { a: 2, b: 3 }]);
    expect(await first.next()).toStrictEqual([5, 1, 5]);
    first.send([3, 2, 'math.slow', { ms: 50 }]);
    expect(await first.next()).toStrictEqual([4, 2]);
    expect(await first.next()).toStrictEqual([5, 2, 'done']);

    first.send([7, 3, 'chat.messages', { room: 'general' }]);
    const subscribed = await first.next();
    expect(subscribed).toStrictEqual([8, 3, expect.any(Number), expect.any(String), 0]);
    const [, , topic, epoch] = subscribed as [number, number, number, string];

    first.send([3, 4, 'chat.send', { room: 'general', text: 'hi' }]);
    const message = { id: 1, room: 'general', text: 'hi', at: isoDate };
    expect(await first.next()).toStrictEqual([9, topic, 1, message, dateMeta]);
    expect(await first.next()).toStrictEqual([5, 4, message, dateMeta]);

    first.send([12, 5]);
    first.send([3, 5, 'math.slow', { ms: 50 }]);
    expect(await first.next()).toStrictEqual([4, 5]);
    first.ws.terminate(); // the connection drops without a close frame
    await first.closed;

    // Meanwhile call 5 finishes with no connection (its outcome is stored), and offset 2 is published.
    await expect
      .poll(() => (internals(server).sessions.store as MemorySessionStore).outcome(sessionId, 5), { timeout: 5_000, message: 'call 5 never finished' })
      .toBeDefined();
    await server.publish(server.contract.chat.messages, { room: 'general' }, { id: 2, room: 'general', text: 'while you were away', at: new Date('2025-01-02T03:04:05.000Z') });

    const second = await h.raw(url, ['ackwire.v1.superjson', 'ackwire.v1.json', 'ackwire']);
    second.send([1, 1, fp, { user: 'ada' }, [sessionId, token]]);
    expect(await second.next()).toStrictEqual([2, 1, sessionId, token, 1, 5, { maxInFlight: 256, maxPayload: 1048576 }]);
    second.send([3, 5, 'math.slow', { ms: 50 }]);
    expect(await second.next()).toStrictEqual([5, 5, 'done']); // stored, not run again: no receipt first
    second.send([7, 3, 'chat.messages', { room: 'general' }, null, [epoch, 1]]);
    const again = await second.next();
    expect(again).toStrictEqual([8, 3, expect.any(Number), epoch, 1]);
    const topic2 = again[2];
    expect(await second.next()).toStrictEqual([
      9,
      topic2,
      2,
      { id: 2, room: 'general', text: 'while you were away', at: '2025-01-02T03:04:05.000Z' },
      dateMeta,
    ]);
    second.send([12, 6]);
    second.send([14]);
    expect(await second.next()).toStrictEqual([15]);
  });
});
