/**
 * Hostile and malformed input over real sockets: each gets a clear error or close code, Object.prototype
 * never changes, internal errors stay inside, close reasons fit in 123 bytes, and a bystander connection
 * on the same server sees nothing.
 */
import { AckwireError } from '@ackwire/core';
import { describe, expect, it } from 'vitest';
import { closeOf, inbox, issue, later, makeSecureServer, rawSession, SECRET, tokens, upgrade } from './helpers.js';
import { listen } from '@ackwire/server/ws';

async function setup(overrides: Parameters<typeof makeSecureServer>[0] = {}, options: Parameters<typeof makeSecureServer>[1] = {}) {
  issue('t', 'alice');
  const server = makeSecureServer(overrides, options);
  later(() => server.close());
  const { url } = await listen(server);
  const bystander = await rawSession(url, server.fingerprint, { token: 't' });
  const open = (protocols?: string[]) => rawSession(url, server.fingerprint, { token: 't' }, protocols ? { protocols } : {});
  /** The bystander still answers and received nothing else meanwhile. */
  const bystanderUnaffected = async () => {
    const before = bystander.box.frames.length;
    bystander.ws.send(JSON.stringify([3, 1_000_000 + before, 'notes.read', { owner: 'alice' }]));
    const reply = await bystander.box.next((f) => f[1] === 1_000_000 + before);
    expect(reply[0]).toBe(5);
    expect(bystander.box.frames.length).toBe(before + 1);
  };
  return { server, url, open, bystanderUnaffected };
}

const byteLength = (s: string) => Buffer.byteLength(s);

describe('malformed frames', () => {
  it('each closes with a documented code and a short reason', async () => {
    const { open, bystanderUnaffected } = await setup();
    const cases: Array<[string, string | Buffer, number]> = [
      ['not JSON', '{oops', 4400],
      ['a JSON object', '{"type":3}', 4400],
      ['an empty array', '[]', 4400],
      ['an unknown type', '[99,1]', 4400],
      ['a server-only type', '[2,1,"s","t",0,0,0]', 4400],
      ['a string type', '["3",1,"whoami",null]', 4400],
      ['a call without a path', '[3,1]', 4400],
      ['a call with an object id', '[3,{"valueOf":1},"whoami",null]', 4400],
      ['a huge id', '[3,1e400,"whoami",null]', 4400],
      ['a negative timeout', '[3,1,"whoami",null,null,-5]', 4400],
      ['an ack with a tail', '[12,0,1]', 4400],
      ['an ack with overlapping ranges', '[12,0,[1,5,5,9]]', 4400],
      ['an ack with an odd range list', '[12,0,[1,5,7]]', 4400],
      ['an ack with an inverted range', '[12,0,[9,5]]', 4400],
      ['an ack with a range from 0', '[12,0,[0,5]]', 4400],
      ['an ack with too many ranges', `[12,0,[${Array.from({ length: 8194 }, (_, i) => i + 1).join(',')}]]`, 4400],
      ['a subscribe with a bad resume point', '[7,1,"notes.feed",{"owner":"a"},null,["e"]]', 4400],
      ['binary invalid UTF-8', Buffer.from([0x5b, 0xff, 0xfe, 0x5d]), 4400],
      ['a second hello', '[1,1,"f",null]', 4429],
    ];
    for (const [what, frame, code] of cases) {
      const { ws } = await open();
      const closed = closeOf(ws);
      ws.send(frame);
      const c = await closed;
      expect(c.code, what).toBe(code);
      expect(byteLength(c.reason), what).toBeLessThanOrEqual(123);
    }
    await bystanderUnaffected();
  });

  it('a text frame with invalid UTF-8 is closed by the transport with 1007', async () => {
    const { url, bystanderUnaffected } = await setup();
    const up = await upgrade(url);
    if (!up.ok) throw new Error('refused');
    const closed = closeOf(up.ws);
    // ws validates UTF-8 in text frames; send raw bytes as a text frame through its sender.
    (up.ws as unknown as { _sender: { send(d: Buffer, o: object, cb?: () => void): void } })._sender.send(
      Buffer.from([0x5b, 0xc3, 0x28, 0x5d]),
      { binary: false, fin: true, mask: true, compress: false, rsv1: false, opcode: 1, readOnly: false },
    );
    expect((await closed).code).toBe(1007);
    await bystanderUnaffected();
  });

  it('binary frames holding UTF-8 JSON are read like text frames', async () => {
    const { open } = await setup();
    const { ws, box } = await open();
    ws.send(Buffer.from(JSON.stringify([3, 1, 'notes.read', { owner: 'ü' }])));
    expect(await box.next((f) => f[1] === 1)).toEqual([5, 1, { owner: 'ü', text: 'notes of ü' }]);
  });

  it('reusing the id of an active subscription closes with 4409', async () => {
    const { open } = await setup();
    const { ws, box } = await open();
    ws.send(JSON.stringify([7, 1, 'notes.feed', { owner: 'a' }]));
    await box.next((f) => f[0] === 8);
    const closed = closeOf(ws);
    ws.send(JSON.stringify([7, 1, 'notes.feed', { owner: 'b' }]));
    expect((await closed).code).toBe(4409);
  });

  it('wrong input types are BAD_REQUEST with issues, not a close', async () => {
    const { open } = await setup();
    const { ws, box } = await open();
    ws.send(JSON.stringify([3, 1, 'notes.read', { owner: { $gt: '' } }]));
    const reply = await box.next((f) => f[1] === 1);
    expect(reply.slice(0, 4)).toEqual([6, 1, 'BAD_REQUEST', 'Invalid input']);
    ws.send(JSON.stringify([3, 2, 'notes.read', { owner: 'x'.repeat(200_000) }]));
    expect((await box.next((f) => f[1] === 2))[0]).toBe(5);
  });
});

describe('prototype keys', () => {
  it('__proto__, constructor and prototype in inputs and params never reach Object.prototype', async () => {
    const seenParams: unknown[] = [];
    const { url, server } = await setup({
      context: ({ params }) => {
        seenParams.push(params);
        const copy = { ...(params as object) } as Record<string, unknown>;
        return { user: String(copy.user ?? 'anon'), role: 'member' as const, exp: Date.now() + 60_000, ...copy } as never;
      },
    }, { anyParams: true });
    const hostile = '{"__proto__":{"polluted":"yes","role":"admin"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"x":1}}';
    const up = await upgrade(url);
    if (!up.ok) throw new Error('refused');
    const box = inbox(up.ws);
    up.ws.send(`[1,1,"${server.fingerprint}",${hostile}]`);
    await box.next((f) => f[0] === 2);
    up.ws.send(`[3,1,"echo",${hostile}]`);
    up.ws.send(`[3,2,"record",${hostile}]`);
    up.ws.send(`[3,3,"whoami",null]`);
    const echo = await box.next((f) => f[1] === 1);
    expect(echo[0]).toBe(5);
    const keys = await box.next((f) => f[1] === 2);
    expect(keys[0]).toBe(5);
    expect(keys[2]).not.toContain('__proto__');
    const who = await box.next((f) => f[1] === 3);
    // The hostile params did not make this connection an admin (null is the void input, see parseFromWire).
    expect(who).toEqual([5, 3, { user: 'anon', role: 'member' }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.getPrototypeOf(seenParams[0])).toBe(Object.prototype);
  });
});

describe('what leaves the server', () => {
  it('a handler crash is INTERNAL_ERROR without its message or stack', async () => {
    const { open } = await setup();
    const { ws, box } = await open(['ackwire.v1.superjson']);
    ws.send(JSON.stringify([3, 1, 'boom', null, { values: ['undefined'] }]));
    const reply = await box.next((f) => f[1] === 1);
    expect(reply).toEqual([6, 1, 'INTERNAL_ERROR', 'Internal server error']);
    const everything = JSON.stringify(box.frames);
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toMatch(/\bat .+:\d+:\d+/);
  });

  it('a context crash closes with 4500 "internal error"; long refusal messages are cut to 123 bytes', async () => {
    const { url, server } = await setup({
      context: ({ params }) => {
        const p = params as unknown;
        if (p === 'crash') throw new TypeError(`cannot read ${SECRET}`);
        if (p === 'long') throw new AckwireError('UNAUTHORIZED', `é${'x'.repeat(300)}`);
        return { ...tokens.get((p as { token: string }).token)! };
      },
    }, { anyParams: true });
    for (const [params, code] of [
      ['crash', 4500],
      ['long', 4401],
    ] as const) {
      const up = await upgrade(url);
      if (!up.ok) throw new Error('refused');
      const closed = closeOf(up.ws);
      up.ws.send(JSON.stringify([1, 1, server.fingerprint, params]));
      const c = await closed;
      expect(c.code).toBe(code);
      expect(byteLength(c.reason)).toBeLessThanOrEqual(123);
      expect(c.reason).not.toContain(SECRET);
    }
    const mismatch = await upgrade(url);
    if (!mismatch.ok) throw new Error('refused');
    const closed = closeOf(mismatch.ws);
    mismatch.ws.send(JSON.stringify([1, 1, 'f'.repeat(128), null]));
    const c = await closed;
    expect(c.code).toBe(4412);
    expect(byteLength(c.reason)).toBeLessThanOrEqual(123);
  });
});
