/**
 * Encode/decode round trips for every message type with both codecs (property-based), and the server's
 * checked superjson decoding accepts everything a real client writes.
 */
import {
  LIMITS,
  MessageType,
  WIRE_ERROR_CODES,
  decodeClientMessage,
  decodeServerMessage,
  encodeClientMessage,
  encodeServerMessage,
  jsonCodec,
  superjsonCodec,
  type ClientMessage,
  type Codec,
  type ErrorCode,
  type ServerMessage,
} from '@ackwire/core';
import fc from 'fast-check';
import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { guardedCodec } from '../src/payload-meta.js';
import { DEFAULT_LIMITS } from '../src/options.js';

const MAX = Number.MAX_SAFE_INTEGER;
const id = fc.integer({ min: 1, max: MAX });
const offset = fc.integer({ min: 0, max: MAX });
const token = fc.string({ minLength: 1, maxLength: LIMITS.maxTokenLength });
const path = fc.string({ minLength: 1, maxLength: LIMITS.maxPathLength });
const json = fc.jsonValue({ maxDepth: 4 });

/**
 * Values superjson carries: Dates, Maps, Sets, BigInts, undefined, ±Infinity, -0, nested. NaN is left to
 * its own test below: superjson records repeated NaNs as shared references and loses Map entries.
 */
const rich = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.date({ noInvalidDate: true }),
    fc.bigInt(),
    fc.constantFrom<unknown>(undefined, null, Infinity, -Infinity, -0, true),
    fc.string({ maxLength: 10 }),
    fc.double({ noNaN: true }),
    fc.integer(),
  ),
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('leaf'),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('node'), { maxKeys: 4 }),
    fc.array(tie('leaf'), { maxLength: 4 }).map((a) => new Set(a)),
    fc.array(fc.tuple(tie('leaf'), tie('node')), { maxLength: 3 }).map((e) => new Map(e)),
  ),
})).node;

const payloadFor = (codec: Codec) => (codec.name === 'superjson' ? rich : json);

function clientMessage(codec: Codec): fc.Arbitrary<ClientMessage> {
  const payload = payloadFor(codec);
  return fc.oneof(
    fc.record({
      type: fc.constant(MessageType.HELLO),
      version: fc.integer(),
      fingerprint: token,
      params: json,
      resume: fc.option(fc.record({ sessionId: token, token })),
    }),
    fc.record({ type: fc.constant(MessageType.CALL), id, path, input: payload, timeoutMs: fc.option(fc.integer({ min: 1, max: MAX })) }),
    fc.record({ type: fc.constant(MessageType.SUBSCRIBE), id, path, input: payload, from: fc.option(fc.record({ epoch: token, offset })) }),
    fc.record({ type: fc.constant(MessageType.UNSUBSCRIBE), id }),
    fc.record({ type: fc.constant(MessageType.CANCEL), id }),
    fc.record({ type: fc.constant(MessageType.ACK), callWatermark: offset }),
    fc.constant({ type: MessageType.PING }),
    fc.constant({ type: MessageType.PONG }),
    fc.record({ type: fc.constant(MessageType.AUTHENTICATE), id, params: json }),
  ) as fc.Arbitrary<ClientMessage>;
}

function serverMessage(codec: Codec): fc.Arbitrary<ServerMessage> {
  const payload = payloadFor(codec);
  return fc.oneof(
    fc.record({
      type: fc.constant(MessageType.WELCOME),
      sessionId: token,
      resumeToken: token,
      resumed: fc.boolean(),
      lastId: offset,
      limits: fc.record({ maxInFlight: offset, maxPayload: offset }),
    }),
    fc.record({ type: fc.constant(MessageType.RECEIVED), ids: fc.array(id, { minLength: 1, maxLength: 50 }) }),
    fc.record({ type: fc.constant(MessageType.RESULT), id, output: payload }),
    fc.record({
      type: fc.constant(MessageType.ERROR),
      id,
      code: fc.constantFrom(...([...WIRE_ERROR_CODES] as ErrorCode[])),
      message: fc.string({ maxLength: LIMITS.maxErrorMessageLength }),
      data: json,
    }),
    fc.record({ type: fc.constant(MessageType.SUBSCRIBED), id, topic: id, epoch: token, offset, gap: fc.constantFrom(null, 'retention' as const, 'epoch' as const) }),
    fc.record({ type: fc.constant(MessageType.EVENT), topic: id, offset, data: payload }),
    fc.constant({ type: MessageType.PING }),
    fc.constant({ type: MessageType.PONG }),
  ) as fc.Arbitrary<ServerMessage>;
}

const viaJson = (v: unknown): unknown => (v === undefined ? null : JSON.parse(JSON.stringify(v)));

/**
 * What a message looks like after the trip: codec payloads (input, output, event data) keep what the codec
 * carries; plain JSON fields (params, error data) and everything under the json codec go through JSON
 * (-0 becomes 0); absent values are null.
 */
function expected<M extends ClientMessage | ServerMessage>(msg: M, codec: Codec): M {
  const out = { ...msg } as Record<string, unknown>;
  const plainJson = (key: string): boolean => key === 'params' || (key === 'data' && msg.type === MessageType.ERROR) || codec.name === 'json';
  for (const key of ['input', 'output', 'data', 'params']) {
    if (key in out && (plainJson(key) || out[key] === null)) out[key] = viaJson(out[key]);
  }
  return out as M;
}

/** Fixed so that CI runs the same cases every time; set FC_SEED to explore others. */
const seed = Number(process.env.FC_SEED ?? 0x5eed);

const codecs: Array<[string, Codec]> = [
  ['superjson', superjsonCodec],
  ['json', jsonCodec],
];

describe('round trips', () => {
  for (const [name, codec] of codecs) {
    it(`every client message type, ${name} codec (and the server's checked decoding)`, () => {
      const serverSide = guardedCodec(codec, DEFAULT_LIMITS);
      const seen = new Set<number>();
      fc.assert(
        fc.property(clientMessage(codec), (msg) => {
          seen.add(msg.type);
          const text = encodeClientMessage(msg, codec);
          expect(decodeClientMessage(text, codec)).toEqual(expected(msg, codec));
          expect(decodeClientMessage(text, serverSide)).toEqual(expected(msg, codec));
        }),
        { numRuns: 1500, seed },
      );
      expect([...seen].sort((a, b) => a - b)).toEqual([1, 3, 7, 10, 12, 13, 14, 15, 16]);
    });

    it(`every server message type, ${name} codec`, () => {
      const seen = new Set<number>();
      fc.assert(
        fc.property(serverMessage(codec), (msg) => {
          seen.add(msg.type);
          expect(decodeServerMessage(encodeServerMessage(msg, codec), codec)).toEqual(expected(msg, codec));
        }),
        { numRuns: 1500, seed },
      );
      expect([...seen].sort((a, b) => a - b)).toEqual([2, 4, 5, 6, 8, 9, 14, 15]);
    });
  }
});

describe('superjson and repeated NaN', () => {
  const value = [new Map<unknown, unknown>([[1, NaN]]), new Map<unknown, unknown>([[NaN, undefined]])];
  const msg: ClientMessage = { type: MessageType.CALL, id: 1, path: 'p', input: value, timeoutMs: null };

  it('the server decodes it intact: its checked metadata drops referentialEqualities', () => {
    const text = encodeClientMessage(msg, superjsonCodec);
    expect(decodeClientMessage(text, guardedCodec(superjsonCodec, DEFAULT_LIMITS))).toEqual(msg);
  });

  // superjson 2.2.6 treats all NaNs as one object, writes a referential equality into a Map key path, and
  // applying it deletes the entry. The codec neither writes nor applies referential equalities.
  it('regression: the codec keeps a Map entry when NaN repeats (superjson alone loses it)', () => {
    const { json, meta } = superjsonCodec.encode(value);
    expect(superjsonCodec.decode(json, meta)).toEqual(value);
    const plain = superjson.serialize(value);
    expect(superjson.deserialize(plain)).not.toEqual(value); // the library bug this guards against
  });
});
