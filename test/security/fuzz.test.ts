/**
 * Property-based fuzzing of the server's message handling, without sockets: `server.accept(fakeSocket,
 * handshake)` drives ServerConnection directly. Valid frames are generated per message type, then
 * mutated (truncation, field swaps, type changes, huge values, deep nesting, prototype keys, forged
 * superjson metadata, random bytes). For every run: no throw escapes, Object.prototype is unchanged,
 * every close code is a documented one with a reason of at most 123 bytes, no frame carries a stack trace
 * or an internal message, and a well-behaved connection on the same server keeps getting answers.
 */
import { CloseCode, MessageType } from '@ackwire/core';
import fc from 'fast-check';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeWireSocket, type FakeWireSocket } from '../helpers/fake-socket.js';
import { handshakeOf, issue, makeSecureServer, SECRET } from './helpers.js';

const FRAMES_PER_RUN = 50;
/** Fixed so that CI runs the same frames every time; set FC_SEED to explore others. */
const SEED = Number(process.env.FC_SEED ?? 0x5eed);
const RUNS = 2_000;

// ---- the harness ---------------------------------------------------------------------------------------

const fakeSocket = (protocol: string): FakeWireSocket => fakeWireSocket({ protocol, strict: true });

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Let promise continuations run (the hello's context, async handlers) without a trip through the event loop. */
async function microtasks(until: () => boolean, max = 50): Promise<void> {
  for (let i = 0; i < max && !until(); i++) await null;
}
const DOCUMENTED_CLOSE_CODES = new Set<number>(Object.values(CloseCode));
const STACK = /\n\s+at |\bat [^\s]+ \(.*:\d+:\d+\)|\.ts:\d+:\d+|node:internal/;

/** A plain assertion for the hot loop (vitest's expect costs microseconds per call). */
function assert(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

function protoSnapshot(): string {
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype]
    .map((p) => Object.getOwnPropertyNames(p).sort().join(','))
    .join('|');
}

// ---- generators ----------------------------------------------------------------------------------------

const HUGE_STRING = 'x'.repeat(300_000);
const DEEP_TEXT = '['.repeat(5_000) + ']'.repeat(5_000);
const PROTO_TEXT = '{"__proto__":{"polluted":1,"role":"admin"},"constructor":{"prototype":{"polluted":1}},"prototype":{"polluted":1},"owner":"alice"}';
const PATHS = ['whoami', 'notes.read', 'notes.slow', 'notes.feed', 'admin.stats', 'echo', 'record', 'boom', 'notes', 'nope', '__proto__', 'constructor'];

const FORGED_META: unknown[] = [
  { values: { '__proto__.polluted': ['Date'] }, v: 1 },
  { values: { 'constructor.prototype.polluted': ['Date'] }, v: 1 },
  { values: ['Date', { x: 'y' }] },
  { values: { a: [['class', 'Admin']] } },
  { values: { a: [['custom', 'Decimal']] } },
  { values: { a: [['typed-array', 'Float64Array']] } },
  { values: { a: ['bigint'] } },
  { values: { owner: ['Nope'] } },
  { values: { owner: ['constructor'] } },
  { referentialEqualities: { owner: ['__proto__'] }, v: 1 },
  { referentialEqualities: [['self']], v: 1 },
  { values: 5 },
  { values: [] },
  [],
  'meta',
];

/** A value a field may be replaced with. */
const weird = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, 2 ** 53, 2 ** 53 + 2, 1e308, -1e308, '', [], {}, HUGE_STRING, [HUGE_STRING]),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 }),
);

const richValue = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.date({ noInvalidDate: false }),
    fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
    fc.constantFrom<unknown>(undefined, NaN, Infinity, -0, null, /a+b/g),
    fc.string({ maxLength: 12 }),
    fc.double(),
  ),
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('leaf'),
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('node'), { maxKeys: 3 }),
    fc.array(tie('leaf'), { maxLength: 3 }).map((a) => new Set(a)),
    fc.array(fc.tuple(fc.string({ maxLength: 4 }), tie('leaf')), { maxLength: 3 }).map((e) => new Map(e)),
  ),
})).node;

/** An input with its superjson metadata (as a client would write it), or a forged pair. */
const payload = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom<[unknown, unknown]>(
      [{ owner: 'alice' }, undefined],
      [{ ms: 1 }, undefined],
      [null, undefined],
      [null, { values: ['undefined'], v: 1 }], // a void input under superjson: reaches `boom`, which leaks if anything does
      [{ owner: 'bob' }, undefined],
    ),
  },
  { weight: 3, arbitrary: richValue.map((v): [unknown, unknown] => {
    const { json, meta } = superjson.serialize(v);
    return [json ?? null, meta];
  }) },
  { weight: 2, arbitrary: fc.tuple(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(...FORGED_META)) },
  { weight: 1, arbitrary: fc.constant<[unknown, unknown]>([JSON.parse(PROTO_TEXT), undefined]) },
);

const id = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 40 }) }, { weight: 1, arbitrary: weird });
const path = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...PATHS) }, { weight: 1, arbitrary: fc.string({ maxLength: 300 }) });
const params = fc.oneof(fc.constant<unknown>({ token: 'fuzz' }), fc.constant<unknown>({ token: 'nope' }), weird);

/** Well-formed frames, one arbitrary per message type (and a few the server must refuse). */
function validFrame(fingerprint: string): fc.Arbitrary<unknown[]> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.tuple(params, fc.option(fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 40 })))).map(([p, r]) => (r ? [1, 1, fingerprint, p, r] : [1, 1, fingerprint, p])) },
    { weight: 8, arbitrary: fc.tuple(id, path, payload, fc.option(fc.integer({ min: 1, max: 2 ** 40 }))).map(([i, p, [input, meta], t]) => [3, i, p, input, meta ?? null, t]) },
    { weight: 4, arbitrary: fc.tuple(id, path, payload, fc.option(fc.tuple(fc.string({ maxLength: 10 }), fc.nat()))).map(([i, p, [input, meta], from]) => [7, i, p, input, meta ?? null, from]) },
    { weight: 2, arbitrary: id.map((i) => [10, i]) },
    { weight: 2, arbitrary: id.map((i) => [13, i]) },
    { weight: 2, arbitrary: fc.nat(50).map((w) => [12, w]) },
    // Call-id ranges: ascending, disjoint pairs, or any array of numbers (most of them refused).
    { weight: 1, arbitrary: fc.tuple(fc.nat(50), fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { minLength: 2, maxLength: 12 })).map(([w, ids]) => [12, w, ids.sort((a, b) => a - b).slice(0, ids.length & ~1)]) },
    { weight: 1, arbitrary: fc.tuple(fc.nat(50), fc.array(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -2, max: 60 }) }, { weight: 1, arbitrary: weird }), { maxLength: 9 })).map(([w, r]) => [12, w, r]) },
    { weight: 2, arbitrary: fc.constantFrom<unknown[]>([14], [15]) },
    { weight: 2, arbitrary: fc.tuple(id, params).map(([i, p]) => [16, i, p]) },
    { weight: 1, arbitrary: fc.constantFrom<unknown[]>([2, 1, 's', 't', 0, 0], [4, 1], [5, 1, null], [6, 1, 'X', 'y'], [8, 1, 1, 'e', 0], [9, 1, 1, null]) },
  );
}

type Frame = string | Uint8Array;

/** A frame after zero or more mutations. */
function mutatedFrame(fingerprint: string): fc.Arbitrary<Frame> {
  const structural = fc.oneof(
    { weight: 14, arbitrary: fc.constant((f: unknown[]) => f) },
    { weight: 2, arbitrary: fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => (f: unknown[]) => {
      const g = [...f];
      const i = a % g.length;
      const j = b % g.length;
      [g[i], g[j]] = [g[j], g[i]];
      return g;
    }) },
    { weight: 3, arbitrary: fc.tuple(fc.nat(), weird).map(([a, w]) => (f: unknown[]) => {
      const g = [...f];
      g[a % g.length] = w;
      return g;
    }) },
    { weight: 1, arbitrary: fc.nat().map((a) => (f: unknown[]) => f.slice(0, a % (f.length + 1))) },
    { weight: 1, arbitrary: weird.map((w) => (f: unknown[]) => [...f, w]) },
    { weight: 1, arbitrary: fc.integer({ min: -2, max: 30 }).map((t) => (f: unknown[]) => [t, ...f.slice(1)]) },
  );
  const textual = fc.oneof(
    { weight: 24, arbitrary: fc.constant((t: string): Frame => t) },
    { weight: 2, arbitrary: fc.nat().map((n) => (t: string): Frame => t.slice(0, n % (t.length + 1))) },
    { weight: 1, arbitrary: fc.constant((t: string): Frame => `[${DEEP_TEXT},${t}]`) },
    { weight: 1, arbitrary: fc.constant((t: string): Frame => t.replace(/\{/, `${PROTO_TEXT.slice(0, -1)},`)) },
    { weight: 1, arbitrary: fc.constant((t: string): Frame => t.replace(/null|\{\}|"alice"/, DEEP_TEXT)) },
    { weight: 1, arbitrary: fc.constant((t: string): Frame => Buffer.from(t)) },
    { weight: 1, arbitrary: fc.nat().map((n) => (t: string): Frame => { const b = Buffer.from(t); if (b.length) b[n % b.length] = 0xff; return b; }) },
  );
  return fc.oneof(
    { weight: 20, arbitrary: fc.tuple(validFrame(fingerprint), structural, textual).map(([f, s, t]) => t(JSON.stringify(s(f)) ?? 'null')) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    // Any UTF-16 code units, lone surrogates included.
    { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 64 }).map((units) => String.fromCharCode(...units)) },
  );
}

// ---- the property --------------------------------------------------------------------------------------

describe('fuzzing ServerConnection', () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  beforeAll(() => process.on('warning', onWarning));
  afterAll(() => void process.off('warning', onWarning));

  it(`survives ${RUNS * FRAMES_PER_RUN} generated and mutated frames`, async () => {
    issue('fuzz', 'alice', 'member', 3_600_000);
    const server = makeSecureServer({
      sessionRetentionMs: 5,
      helloTimeoutMs: 600_000,
      guards: { admin: ({ ctx }) => ctx.role === 'admin', 'notes.read': ({ ctx, input }) => input.owner === ctx.user },
    });
    const protoBefore = protoSnapshot();
    const closeCodes = new Map<number, number>();
    /** Server frame types and error codes the fuzzing reached: evidence that it gets past the decoder. */
    const seen = new Set<string>();
    let frames = 0;
    let connections = 0;
    const started = performance.now();

    const open = async (protocol: string) => {
      const socket = fakeSocket(protocol);
      const conn = server.accept(socket, handshakeOf());
      conn.message(JSON.stringify([1, 1, server.fingerprint, { token: 'fuzz' }]));
      await microtasks(() => socket.sent.length > 0);
      for (let i = 0; i < 100 && socket.sent.length === 0; i++) await turn();
      assert(socket.sent[0]?.startsWith('[2,') === true, `no welcome: ${socket.sent[0]}`);
      connections++;
      return { socket, conn };
    };
    const good = await open('ackwire.v1.superjson');
    let goodId = 1_000_000;

    const check = (socket: FakeWireSocket) => {
      const closed = socket.closed;
      if (closed) {
        closeCodes.set(closed.code, (closeCodes.get(closed.code) ?? 0) + 1);
        assert(DOCUMENTED_CLOSE_CODES.has(closed.code), `undocumented close code ${closed.code}`);
        assert(Buffer.byteLength(closed.reason) <= 123, `close reason over 123 bytes: ${closed.reason}`);
        assert(!STACK.test(closed.reason) && !closed.reason.includes(SECRET), `close reason leaks: ${closed.reason}`);
      }
      for (const text of socket.sent) {
        assert(!STACK.test(text) && !text.includes(SECRET), `frame leaks: ${text.slice(0, 300)}`);
        const kind = /^\[6,\d+,"([A-Z_]+)"/.exec(text) ?? /^\[(\d+)[,\]]/.exec(text);
        if (kind) seen.add(kind[1]!);
      }
    };

    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(mutatedFrame(server.fingerprint), { minLength: FRAMES_PER_RUN, maxLength: FRAMES_PER_RUN }), async (superjsonCodec, batch) => {
        const protocol = superjsonCodec ? 'ackwire.v1.superjson' : 'ackwire.v1.json';
        let target = await open(protocol);
        const sockets = [target.socket];
        for (let i = 0; i < batch.length; i++) {
          if (target.socket.closed) {
            target = await open(protocol);
            sockets.push(target.socket);
          }
          target.conn.message(batch[i]!); // a throw here fails the property
          frames++;
          await microtasks(() => false, 3);
        }
        await turn();
        for (const socket of sockets) check(socket);
        assert(protoSnapshot() === protoBefore, 'a prototype changed');
        assert(({} as Record<string, unknown>).polluted === undefined, 'Object.prototype polluted');
        // The bystander is served, and saw nothing of the fuzzing.
        const before = good.socket.sent.length;
        const callId = goodId++;
        good.conn.message(JSON.stringify([MessageType.CALL, callId, 'notes.read', { owner: 'alice' }]));
        for (let i = 0; i < 100 && good.socket.sent.length === before; i++) await turn();
        const answer = good.socket.sent.slice(before);
        assert(answer.length === 1 && answer[0] === JSON.stringify([5, callId, { owner: 'alice', text: 'notes of alice' }]), `bystander got ${answer.join(' ')}`);
        assert(good.socket.closed === undefined, 'bystander closed');
        // A well-behaved client acknowledges the outcomes it has (the server keeps them until then).
        good.conn.message(JSON.stringify([MessageType.ACK, goodId]));
        target.conn.close(CloseCode.NORMAL, 'end of run');
      }),
      { numRuns: RUNS, endOnFailure: true, seed: SEED },
    );

    const elapsed = performance.now() - started;
    await server.close();
    expect(frames).toBe(RUNS * FRAMES_PER_RUN);
    expect(warnings).toEqual([]);
    for (const reached of ['5', '4', '8', 'BAD_REQUEST', 'NOT_FOUND', 'FORBIDDEN', 'INTERNAL_ERROR', 'PAYLOAD_TOO_LARGE', 'UNAUTHORIZED']) expect(seen, reached).toContain(reached);
    expect(elapsed).toBeLessThan(60_000);
    console.log(
      `fuzz: ${frames} frames on ${connections} connections in ${Math.round(elapsed)} ms; closes ${JSON.stringify(Object.fromEntries([...closeCodes].sort((a, b) => a[0] - b[0])))}; reached ${[...seen].sort().join(' ')}`,
    );
  }, 120_000);
});
