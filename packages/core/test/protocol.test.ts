import { describe, expect, it } from 'vitest';
import { jsonCodec, superjsonCodec, type Codec } from '../src/codec.js';
import {
  CloseCode,
  DEFAULT_SUBPROTOCOLS,
  LIMITS,
  MessageType,
  NEGOTIATION_TOKEN,
  PayloadViolation,
  ProtocolViolation,
  closeReason,
  codecForSubprotocol,
  decodeClientMessage,
  decodeServerMessage,
  encodeClientMessage,
  encodeEvent,
  encodeServerMessage,
  isFatalCloseCode,
  isLoadCloseCode,
  isRestartCloseCode,
  refusalCloseCode,
  selectSubprotocol,
  type ClientMessage,
  type ServerMessage,
} from '../src/protocol.js';

const codecs: Array<[string, Codec]> = [
  ['superjson', superjsonCodec],
  ['json', jsonCodec],
];

/** A payload that plain JSON carries unchanged. */
const plain = { text: 'hé 😀', n: -1.5, ok: true, none: null, list: [1, 'two', { three: [3] }], nested: { deep: { x: 0 } } };

/** A payload only superjson carries: every one of these must come back with its type. */
const rich = () => ({
  at: new Date('2024-05-06T07:08:09.123Z'),
  map: new Map<string, number>([
    ['a', 1],
    ['b', 2],
  ]),
  set: new Set(['x', 'y']),
  big: 12345678901234567890n,
  missing: undefined,
  list: [new Date(0), 1n, undefined],
});

const clientRoundTrip = (msg: ClientMessage, codec: Codec): ClientMessage => decodeClientMessage(encodeClientMessage(msg, codec), codec);
const serverRoundTrip = (msg: ServerMessage, codec: Codec): ServerMessage => decodeServerMessage(encodeServerMessage(msg, codec), codec);

function clientMessages(input: unknown): ClientMessage[] {
  return [
    { type: MessageType.HELLO, version: 1, fingerprint: '0123456789abcdef', params: null, resume: null },
    { type: MessageType.HELLO, version: 1, fingerprint: 'fp', params: { token: 'abc', n: [1, 2] }, resume: { sessionId: 's1', token: 't1' } },
    { type: MessageType.CALL, id: 1, path: 'math.add', input, timeoutMs: null },
    { type: MessageType.CALL, id: Number.MAX_SAFE_INTEGER, path: 'a.b.c', input, timeoutMs: 2500 },
    { type: MessageType.SUBSCRIBE, id: 2, path: 'chat.messages', input, from: null },
    { type: MessageType.SUBSCRIBE, id: 3, path: 'chat.messages', input, from: { epoch: 'ep0ch', offset: 0 } },
    { type: MessageType.SUBSCRIBE, id: 4, path: 'chat.messages', input, from: { epoch: 'ep0ch', offset: 41 } },
    { type: MessageType.UNSUBSCRIBE, id: 2 },
    { type: MessageType.CANCEL, id: 7 },
    { type: MessageType.ACK, callWatermark: 0 },
    { type: MessageType.ACK, callWatermark: 12 },
    { type: MessageType.ACK, callWatermark: Number.MAX_SAFE_INTEGER },
    { type: MessageType.ACK, callWatermark: 3, calls: [[5, 5], [7, 1030]] },
    { type: MessageType.PING },
    { type: MessageType.PONG },
  ];
}

function serverMessages(output: unknown): ServerMessage[] {
  return [
    { type: MessageType.WELCOME, sessionId: 'sess', resumeToken: 'tok', resumed: false, lastId: 0, limits: { maxInFlight: 256, maxPayload: 1048576 } },
    { type: MessageType.WELCOME, sessionId: 'sess', resumeToken: 'tok', resumed: true, lastId: 17, limits: { maxInFlight: 0, maxPayload: 0 } },
    { type: MessageType.RECEIVED, ids: [1] },
    { type: MessageType.RECEIVED, ids: [1, 5, 9] },
    { type: MessageType.RESULT, id: 1, output },
    { type: MessageType.ERROR, id: 2, code: 'FORBIDDEN', message: 'No', data: null },
    { type: MessageType.ERROR, id: 2, code: 'BAD_REQUEST', message: 'Invalid input', data: { issues: [{ path: ['a'], message: 'x', code: 'invalid_type' }] } },
    { type: MessageType.SUBSCRIBED, id: 3, topic: 1, epoch: 'ep', offset: 0, gap: null },
    { type: MessageType.EVENT, topic: 1, offset: 1, data: output },
    { type: MessageType.PING },
    { type: MessageType.PONG },
  ];
}

describe('round trips', () => {
  for (const [name, codec] of codecs) {
    it(`client messages survive encode/decode with plain JSON payloads (${name})`, () => {
      for (const msg of clientMessages(plain)) expect(clientRoundTrip(msg, codec), JSON.stringify(msg)).toStrictEqual(msg);
    });

    it(`server messages survive encode/decode with plain JSON payloads (${name})`, () => {
      for (const msg of serverMessages(plain)) expect(serverRoundTrip(msg, codec), JSON.stringify(msg)).toStrictEqual(msg);
    });
  }

  it('superjson payloads keep Date, Map, Set, BigInt and undefined in calls, subscribes, results and events', () => {
    for (const msg of clientMessages(rich())) {
      if (msg.type === MessageType.CALL || msg.type === MessageType.SUBSCRIBE) expect(clientRoundTrip(msg, superjsonCodec)).toStrictEqual(msg);
    }
    for (const msg of serverMessages(rich())) {
      if (msg.type === MessageType.RESULT || msg.type === MessageType.EVENT) expect(serverRoundTrip(msg, superjsonCodec)).toStrictEqual(msg);
    }
    const call = clientRoundTrip({ type: MessageType.CALL, id: 1, path: 'p', input: rich(), timeoutMs: null }, superjsonCodec);
    const input = (call as { input: ReturnType<typeof rich> }).input;
    expect(input.at).toBeInstanceOf(Date);
    expect(input.map).toBeInstanceOf(Map);
    expect(input.set).toBeInstanceOf(Set);
    expect(typeof input.big).toBe('bigint');
    expect(Object.prototype.hasOwnProperty.call(input, 'missing')).toBe(true);
  });

  it('superjson carries top-level special values: a bare undefined, BigInt and Date', () => {
    for (const value of [undefined, 5n, new Date(1), new Set([1]), NaN, -0]) {
      const back = serverRoundTrip({ type: MessageType.RESULT, id: 1, output: value }, superjsonCodec);
      expect(back).toStrictEqual({ type: MessageType.RESULT, id: 1, output: value });
    }
  });

  it('the json codec writes plain JSON: no metadata, Dates become ISO strings, BigInt is refused', () => {
    const frame = encodeServerMessage({ type: MessageType.RESULT, id: 1, output: { at: new Date(0), n: 1 } }, jsonCodec);
    expect(frame).toBe('[5,1,{"at":"1970-01-01T00:00:00.000Z","n":1}]');
    expect(decodeServerMessage(frame, jsonCodec)).toStrictEqual({ type: MessageType.RESULT, id: 1, output: { at: '1970-01-01T00:00:00.000Z', n: 1 } });
    expect(() => encodeServerMessage({ type: MessageType.RESULT, id: 1, output: 1n }, jsonCodec)).toThrow(TypeError);
  });

  it('an undefined or missing payload decodes as null', () => {
    expect(clientRoundTrip({ type: MessageType.CALL, id: 1, path: 'p', input: undefined, timeoutMs: null }, jsonCodec)).toStrictEqual({
      type: MessageType.CALL,
      id: 1,
      path: 'p',
      input: null,
      timeoutMs: null,
    });
    expect(decodeServerMessage('[9,1,1,null]', jsonCodec)).toStrictEqual({ type: MessageType.EVENT, topic: 1, offset: 1, data: null });
  });

  it('encodeEvent builds the same frame as encodeServerMessage', () => {
    for (const [, codec] of codecs) {
      expect(encodeEvent(4, 9, plain, codec)).toBe(encodeServerMessage({ type: MessageType.EVENT, topic: 4, offset: 9, data: plain }, codec));
    }
  });

  // Regression: the decoder once read the gap from f[6] instead of f[5] and always returned gap: null.
  it('subscribed keeps its gap reason (retention, epoch)', () => {
    for (const gap of ['retention', 'epoch'] as const) {
      const msg: ServerMessage = { type: MessageType.SUBSCRIBED, id: 3, topic: 1, epoch: 'ep', offset: 7, gap };
      expect(serverRoundTrip(msg, superjsonCodec)).toStrictEqual(msg);
    }
  });
});

describe('trailing optional fields are omitted', () => {
  const cases: Array<[string, string, string]> = [
    ['hello without resume', encodeClientMessage({ type: 1, version: 1, fingerprint: 'fp', params: undefined, resume: null }, jsonCodec), '[1,1,"fp",null]'],
    ['hello with resume', encodeClientMessage({ type: 1, version: 1, fingerprint: 'fp', params: { a: 1 }, resume: { sessionId: 's', token: 't' } }, jsonCodec), '[1,1,"fp",{"a":1},["s","t"]]'],
    ['call, no meta, no timeout', encodeClientMessage({ type: 3, id: 1, path: 'p', input: { x: 1 }, timeoutMs: null }, superjsonCodec), '[3,1,"p",{"x":1}]'],
    ['call with undefined input', encodeClientMessage({ type: 3, id: 1, path: 'p', input: undefined, timeoutMs: null }, jsonCodec), '[3,1,"p",null]'],
    ['call, timeout without meta', encodeClientMessage({ type: 3, id: 1, path: 'p', input: 2, timeoutMs: 500 }, superjsonCodec), '[3,1,"p",2,null,500]'],
    ['subscribe, no from', encodeClientMessage({ type: 7, id: 2, path: 's', input: 'k', from: null }, superjsonCodec), '[7,2,"s","k"]'],
    ['subscribe, from', encodeClientMessage({ type: 7, id: 2, path: 's', input: 'k', from: { epoch: 'e', offset: 3 } }, jsonCodec), '[7,2,"s","k",null,["e",3]]'],
    ['ack', encodeClientMessage({ type: 12, callWatermark: 4 }, jsonCodec), '[12,4]'],
    ['ping', encodeClientMessage({ type: 14 }, jsonCodec), '[14]'],
    ['welcome', encodeServerMessage({ type: 2, sessionId: 's', resumeToken: 't', resumed: false, lastId: 0, limits: { maxInFlight: 8, maxPayload: 100 } }, jsonCodec), '[2,1,"s","t",0,0,{"maxInFlight":8,"maxPayload":100}]'],
    ['result, no meta', encodeServerMessage({ type: 5, id: 1, output: 3 }, superjsonCodec), '[5,1,3]'],
    ['result of undefined (json)', encodeServerMessage({ type: 5, id: 1, output: undefined }, jsonCodec), '[5,1,null]'],
    ['error without data', encodeServerMessage({ type: 6, id: 1, code: 'NOT_FOUND', message: 'no', data: undefined }, jsonCodec), '[6,1,"NOT_FOUND","no"]'],
    ['subscribed without gap', encodeServerMessage({ type: 8, id: 1, topic: 2, epoch: 'e', offset: 0, gap: null }, jsonCodec), '[8,1,2,"e",0]'],
    ['event, no meta', encodeServerMessage({ type: 9, topic: 2, offset: 5, data: 'x' }, superjsonCodec), '[9,2,5,"x"]'],
    ['event of null', encodeServerMessage({ type: 9, topic: 2, offset: 5, data: null }, superjsonCodec), '[9,2,5,null]'],
  ];
  for (const [name, actual, expected] of cases) {
    it(name, () => expect(actual).toBe(expected));
  }

  it('superjson metadata follows the payload only when needed', () => {
    const frame = JSON.parse(encodeServerMessage({ type: 5, id: 1, output: { at: new Date(0) } }, superjsonCodec)) as unknown[];
    expect(frame).toHaveLength(4);
    expect(frame.slice(0, 3)).toStrictEqual([5, 1, { at: '1970-01-01T00:00:00.000Z' }]);
    expect(frame[3]).toMatchObject({ values: { at: ['Date'] } });
  });

  it('error messages are cut to the protocol limit', () => {
    const frame = JSON.parse(encodeServerMessage({ type: 6, id: 1, code: 'CONFLICT', message: 'x'.repeat(5000), data: null }, jsonCodec)) as unknown[];
    expect((frame[3] as string).length).toBe(LIMITS.maxErrorMessageLength);
  });
});

/** Expect decoding to throw ProtocolViolation with close code 4400. */
function rejects(decode: (text: string, codec: Codec) => unknown, text: string, codec: Codec = superjsonCodec): ProtocolViolation {
  let caught: unknown;
  try {
    decode(text, codec);
  } catch (err) {
    caught = err;
  }
  expect(caught, `${text.slice(0, 80)} should be rejected`).toBeInstanceOf(ProtocolViolation);
  expect((caught as ProtocolViolation).closeCode).toBe(CloseCode.BAD_MESSAGE);
  expect((caught as ProtocolViolation).closeCode).toBe(4400);
  return caught as ProtocolViolation;
}
const rejectsAtServer = (text: string, codec?: Codec) => rejects(decodeClientMessage, text, codec);
const rejectsAtClient = (text: string, codec?: Codec) => rejects(decodeServerMessage, text, codec);
const f = (...fields: unknown[]) => JSON.stringify(fields);

describe('malformed frames are rejected with ProtocolViolation 4400', () => {
  it('not JSON, not an array, empty array', () => {
    for (const text of ['', '{', 'nope', '[1,', '[1]]', '\u0000']) {
      rejectsAtServer(text);
      rejectsAtClient(text);
    }
    for (const text of ['{}', '{"0":1}', '5', '"[1]"', 'null', 'true', '[]']) {
      rejectsAtServer(text);
      rejectsAtClient(text);
    }
  });

  it('unknown message types', () => {
    for (const type of [0, 16, 99, -1, 1.5, '1', null, true, [1], { t: 1 }]) {
      rejectsAtServer(f(type, 1));
      rejectsAtClient(f(type, 1));
    }
  });

  it('type 11 is unassigned in v1 (no server-sent end of subscription)', () => {
    rejectsAtClient(f(11, 1));
    rejectsAtServer(f(11, 1));
  });

  it('server-only types sent to a server', () => {
    for (const text of [f(2, 1, 's', 't', 0, 0, 0), f(4, 1), f(5, 1, null), f(6, 1, 'NOT_FOUND', 'x'), f(8, 1, 1, 'e', 0), f(9, 1, 1, null), f(11, 1)]) {
      rejectsAtServer(text);
    }
  });

  it('client-only types sent to a client', () => {
    for (const text of [f(1, 1, 'fp', null), f(3, 1, 'p', null), f(7, 1, 'p', null), f(10, 1), f(12, 0), f(13, 1)]) {
      rejectsAtClient(text);
    }
  });

  it('wrong arity', () => {
    for (const text of [
      f(1, 1, 'fp'),
      f(1, 1, 'fp', null, ['s', 't'], 'extra'),
      f(3, 1, 'p'),
      f(3, 1, 'p', null, null, 5, 'extra'),
      f(7, 1, 'p'),
      f(7, 1, 'p', null, null, ['e', 1], 'extra'),
      f(10),
      f(10, 1, 2),
      f(13),
      f(13, 1, 2),
      f(14, 1),
      f(15, null),
    ]) {
      rejectsAtServer(text);
    }
    for (const text of [
      f(2, 1, 's', 't', 0),
      f(2, 1, 's', 't', 0, 0, {}, 0),
      f(4),
      f(5, 1),
      f(5, 1, null, null, 'extra'),
      f(6, 1, 'NOT_FOUND'),
      f(6, 1, 'NOT_FOUND', 'x', null, 'extra'),
      f(8, 1, 1, 'e'),
      f(8, 1, 1, 'e', 0, null, 'extra'),
      f(9, 1, 1),
      f(9, 1, 1, null, null, 'extra'),
      f(11),
      f(11, 1, 2),
      f(14, 1),
      f(15, 1),
    ]) {
      rejectsAtClient(text);
    }
  });

  const badIds: Array<[string, string]> = [
    ['0', '0'],
    ['negative', '-1'],
    ['fractional', '1.5'],
    ['2^53', '9007199254740992'],
    ['huge', '1e300'],
    ['infinite', '1e400'],
    ['string', '"1"'],
    ['null', 'null'],
    ['boolean', 'true'],
    ['array', '[1]'],
  ];
  for (const [name, id] of badIds) {
    it(`id ${name} is refused in every frame that carries an id`, () => {
      rejectsAtServer(`[3,${id},"p",null]`);
      rejectsAtServer(`[7,${id},"p",null]`);
      rejectsAtServer(`[10,${id}]`);
      rejectsAtServer(`[13,${id}]`);
      rejectsAtClient(`[4,${id}]`);
      rejectsAtClient(`[4,1,${id}]`);
      rejectsAtClient(`[5,${id},null]`);
      if (id !== '0') rejectsAtClient(`[6,${id},"NOT_FOUND","x"]`); // an ERROR with id 0 answers the hello
      rejectsAtClient(`[8,${id},1,"e",0]`);
      rejectsAtClient(`[8,1,${id},"e",0]`); // topic
      rejectsAtClient(`[9,${id},1,null]`); // topic
    });
  }

  it('an ERROR with id 0 answers the hello', () => {
    expect(decodeServerMessage(`[6,0,"BAD_REQUEST","Invalid connection params",{"issues":[]}]`, jsonCodec)).toStrictEqual({
      type: 6,
      id: 0,
      code: 'BAD_REQUEST',
      message: 'Invalid connection params',
      data: { issues: [] },
    });
  });

  it('ids at the limits are accepted', () => {
    expect(decodeClientMessage(`[10,1]`, jsonCodec)).toStrictEqual({ type: 10, id: 1 });
    expect(decodeClientMessage(`[10,${Number.MAX_SAFE_INTEGER}]`, jsonCodec)).toStrictEqual({ type: 10, id: Number.MAX_SAFE_INTEGER });
  });

  it('paths must be 1 to 256 characters', () => {
    const max = 'a'.repeat(LIMITS.maxPathLength);
    expect(decodeClientMessage(f(3, 1, max, null), jsonCodec)).toMatchObject({ path: max });
    rejectsAtServer(f(3, 1, max + 'a', null));
    rejectsAtServer(f(7, 1, max + 'a', null));
    rejectsAtServer(f(3, 1, '', null));
    rejectsAtServer(f(3, 1, 5, null));
    rejectsAtServer(f(3, 1, null, null));
    rejectsAtServer(f(3, 1, ['p'], null));
  });

  it('hello: version, fingerprint and resume shapes', () => {
    rejectsAtServer(f(1, '1', 'fp', null));
    rejectsAtServer(f(1, 1.5, 'fp', null));
    rejectsAtServer(f(1, null, 'fp', null));
    rejectsAtServer(f(1, 1, '', null));
    rejectsAtServer(f(1, 1, 7, null));
    rejectsAtServer(f(1, 1, 'x'.repeat(LIMITS.maxTokenLength + 1), null));
    for (const resume of ['s:t', ['s'], ['s', 't', 'u'], ['', 't'], ['s', ''], [1, 't'], ['s', 2], { sessionId: 's', token: 't' }, ['x'.repeat(129), 't'], 0]) {
      rejectsAtServer(f(1, 1, 'fp', null, resume));
    }
    // A version this server does not speak still decodes; refusing it (4426) is the connection's job.
    expect(decodeClientMessage(f(1, 2, 'fp', null), jsonCodec)).toMatchObject({ version: 2 });
    expect(decodeClientMessage(f(1, 1, 'fp', null, null), jsonCodec)).toMatchObject({ resume: null });
  });

  it('subscribe: from must be [epoch, offset]', () => {
    for (const from of ['e:1', ['e'], ['e', 1, 2], ['', 1], [1, 1], ['e', -1], ['e', 1.5], ['e', '1'], ['e', null], { epoch: 'e', offset: 1 }, 5]) {
      rejectsAtServer(f(7, 1, 's', null, null, from));
    }
    expect(decodeClientMessage(f(7, 1, 's', null, null, ['e', 0]), jsonCodec)).toMatchObject({ from: { epoch: 'e', offset: 0 } });
  });

  it('call: the timeout must be a positive integer', () => {
    for (const timeout of [0, -5, 1.5, '100', true, [1], 2 ** 53]) rejectsAtServer(f(3, 1, 'p', null, null, timeout));
    expect(decodeClientMessage(f(3, 1, 'p', null, null, 1), jsonCodec)).toMatchObject({ timeoutMs: 1 });
  });

  it('ack: the watermark, then optional call-id ranges (topic offsets are not part of v1)', () => {
    expect(decodeClientMessage(f(12, 2, [4, 4, 6, 9]), jsonCodec)).toEqual({ type: 12, callWatermark: 2, calls: [[4, 4], [6, 9]] });
    for (const text of [
      f(12),
      f(12, 0, 1),
      f(12, 0, 1, 2),
      f(12, 0, []),
      f(12, 0, [1]),
      f(12, 0, [2, 1]),
      f(12, 0, [0, 1]),
      f(12, 0, [1, 2, 2, 3]),
      f(12, 0, [3, 4, 1, 2]),
      f(12, 0, [1, 2], 1),
      f(12, -1),
      f(12, 1.5),
      f(12, '0'),
      f(12, null),
      f(12, 2 ** 53),
    ]) {
      rejectsAtServer(text);
    }
    expect(decodeClientMessage(f(12, 7), jsonCodec)).toStrictEqual({ type: 12, callWatermark: 7 });
  });

  it('received: at most maxBatch ids', () => {
    const ids = Array.from({ length: LIMITS.maxBatch }, (_, i) => i + 1);
    expect(decodeServerMessage(f(4, ...ids), jsonCodec)).toStrictEqual({ type: 4, ids });
    rejectsAtClient(f(4, ...ids, LIMITS.maxBatch + 1));
  });

  it('meta of the wrong type', () => {
    for (const m of ['"meta"', '5', '1', 'true', '[1]', '[]']) {
      rejectsAtServer(`[3,1,"p",{},${m}]`);
      rejectsAtServer(`[7,1,"p",{},${m}]`);
      rejectsAtClient(`[5,1,{},${m}]`);
      rejectsAtClient(`[9,1,1,{},${m}]`);
    }
    // null and 0 stand for "no metadata".
    expect(decodeClientMessage('[3,1,"p",{"a":1},null]', superjsonCodec)).toMatchObject({ input: { a: 1 } });
    expect(decodeClientMessage('[3,1,"p",{"a":1},0,10]', superjsonCodec)).toMatchObject({ input: { a: 1 }, timeoutMs: 10 });
  });

  it('server frames with bad fields', () => {
    rejectsAtClient(f(2, 2, 's', 't', 0, 0, 0)); // another protocol version
    rejectsAtClient(f(2, 1, 's', 't', 2, 0, 0)); // resumed must be 0 or 1
    rejectsAtClient(f(2, 1, 's', 't', true, 0, 0));
    rejectsAtClient(f(2, 1, 's', 't', 0, -1, 0)); // heartbeat
    rejectsAtClient(f(2, 1, '', 't', 0, 0, 0));
    rejectsAtClient(f(2, 1, 's', null, 0, 0, 0));
    rejectsAtClient(f(2, 1, 's', 't', 0, 0, -1)); // last id
    rejectsAtClient(f(2, 1, 's', 't', 0, 0, 1.5));
    rejectsAtClient(f(6, 1, 'NOPE', 'x'));
    rejectsAtClient(f(6, 1, 'CONTRACT_MISMATCH', 'x')); // a client-side code never crosses the wire
    rejectsAtClient(f(6, 1, 'FORBIDDEN', 5));
    rejectsAtClient(f(8, 1, 1, 'e', 0, 'other'));
    rejectsAtClient(f(8, 1, 1, 'e', -1));
    rejectsAtClient(f(8, 1, 1, '', 0));
    rejectsAtClient(f(9, 1, -1, null));
    rejectsAtClient(f(9, 1, 1.5, null));
  });
});

describe('bad superjson metadata', () => {
  const badMeta = ['{"values":["nope"]}', '{"values":{"a":["custom","x"]}}', '{"values":["map"]}'];

  it('in a call or subscribe is a PayloadViolation for that id', () => {
    for (const m of badMeta) {
      for (const [type, id] of [
        [3, 7],
        [7, 8],
      ]) {
        let caught: unknown;
        try {
          decodeClientMessage(`[${type},${id},"p",{"a":"x"},${m}]`, superjsonCodec);
        } catch (err) {
          caught = err;
        }
        expect(caught, m).toBeInstanceOf(PayloadViolation);
        expect((caught as PayloadViolation).id).toBe(id);
      }
    }
  });

  it('metadata under the json codec is a PayloadViolation', () => {
    expect(() => decodeClientMessage('[3,9,"p","2024-01-01T00:00:00.000Z",{"values":["Date"]}]', jsonCodec)).toThrow(PayloadViolation);
  });

  it('metadata cannot write to prototypes', () => {
    let threw = false;
    try {
      decodeClientMessage('[3,1,"p",{"a":"x"},{"values":{"__proto__.polluted":["Date"]}}]', superjsonCodec);
    } catch (err) {
      threw = true;
      expect(err).toBeInstanceOf(PayloadViolation);
    }
    expect(threw).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('in a result or event closes the connection (the client has no id to answer)', () => {
    for (const m of badMeta) {
      rejectsAtClient(`[5,1,{"a":"x"},${m}]`);
      rejectsAtClient(`[9,1,1,{"a":"x"},${m}]`);
    }
  });
});

describe('close codes', () => {
  it('fatal codes are never retried; every other code is', () => {
    const fatal = [4400, 4401, 4403, 4404, 4406, 4409, 4410, 4412, 4426, 4429];
    for (const code of fatal) expect(isFatalCloseCode(code), String(code)).toBe(true);
    for (const code of [1000, 1001, 1005, 1006, 1009, 1011, 1012, 1013, 4408, 4420, 4500, 4504, 4509, 4000, 4999]) {
      expect(isFatalCloseCode(code), String(code)).toBe(false);
    }
    expect(fatal.sort()).toStrictEqual(
      [
        CloseCode.BAD_MESSAGE,
        CloseCode.UNAUTHORIZED,
        CloseCode.FORBIDDEN,
        CloseCode.NOT_FOUND,
        CloseCode.SUBPROTOCOL_MISMATCH,
        CloseCode.DUPLICATE_ID,
        CloseCode.SESSION_REPLACED,
        CloseCode.CONTRACT_MISMATCH,
        CloseCode.VERSION_MISMATCH,
        CloseCode.TOO_MANY_HELLOS,
      ].sort(),
    );
  });

  it('every close code is a valid application or protocol code and unique', () => {
    const values = Object.values(CloseCode);
    expect(new Set(values).size).toBe(values.length);
    for (const code of values) expect(code === 1000 || code === 1001 || code === 1009 || code === 1012 || code === 1013 || (code >= 4000 && code <= 4999), String(code)).toBe(true);
  });

  it('a refused upgrade told in band: its HTTP status as a close code; 4420 and 1013 ask for less load', () => {
    const told = [400, 401, 403, 404, 429, 503, 500, 502].map(refusalCloseCode);
    expect(told).toEqual([4400, 4401, 4403, 4404, 4420, 1013, 4500, 4500]);
    expect(told.map(isLoadCloseCode)).toEqual([false, false, false, false, true, true, false, false]);
    expect(told.map(isFatalCloseCode)).toEqual([true, true, true, true, false, false, false, false]);
  });

  it('1012 (service restart) alone asks for a reconnect at once; it is neither fatal nor a load refusal', () => {
    expect(Object.values(CloseCode).filter(isRestartCloseCode)).toEqual([1012]);
    expect([isFatalCloseCode(1012), isLoadCloseCode(1012)]).toEqual([false, false]);
  });

  const bytes = (s: string) => new TextEncoder().encode(s).length;

  it('closeReason keeps short reasons as they are', () => {
    expect(closeReason('')).toBe('');
    expect(closeReason('bye')).toBe('bye');
    const exact = 'x'.repeat(123);
    expect(closeReason(exact)).toBe(exact);
  });

  it('closeReason cuts to at most 123 bytes at a character boundary', () => {
    for (const [text, expectedChars] of [
      ['x'.repeat(500), 123],
      ['é'.repeat(100), 61], // 2 bytes each
      ['€'.repeat(100), 41], // 3 bytes each
      ['a' + '€'.repeat(100), 1 + 40],
    ] as const) {
      const out = closeReason(text);
      expect(bytes(out)).toBeLessThanOrEqual(123);
      expect(out.length).toBe(expectedChars);
      expect(text.startsWith(out)).toBe(true);
      expect(new TextDecoder('utf-8', { fatal: true }).decode(new TextEncoder().encode(out))).toBe(out);
    }
  });

  // Regression: the cut once fell between the two halves of a surrogate pair, leaving a lone surrogate.
  it('closeReason never leaves half a surrogate pair', () => {
    expect(closeReason('😀'.repeat(100))).toBe('😀'.repeat(30));
    expect(closeReason('a'.repeat(60) + '😀'.repeat(40))).toBe('a'.repeat(60) + '😀'.repeat(15));
  });
});

describe('subprotocols', () => {
  it('the server picks the first offered token it accepts, in the client order', () => {
    expect(selectSubprotocol(['ackwire.v1.json', 'ackwire.v1.superjson'], DEFAULT_SUBPROTOCOLS)).toBe('ackwire.v1.json');
    expect(selectSubprotocol(['foo', 'ackwire.v1.superjson', 'ackwire.v1.json', 'ackwire'], DEFAULT_SUBPROTOCOLS)).toBe('ackwire.v1.superjson');
    expect(selectSubprotocol(['ackwire.v1.superjson', 'ackwire.v1.json'], ['ackwire.v1.json'])).toBe('ackwire.v1.json');
  });

  it('no common token selects nothing, and the negotiation token is never selected', () => {
    expect(selectSubprotocol([], DEFAULT_SUBPROTOCOLS)).toBeUndefined();
    expect(selectSubprotocol(['foo', NEGOTIATION_TOKEN], DEFAULT_SUBPROTOCOLS)).toBeUndefined();
    expect(selectSubprotocol(['ackwire.v1.json'], ['ackwire.v1.superjson'])).toBeUndefined();
    expect(selectSubprotocol(['ACKWIRE.V1.JSON', 'ackwire.v2.json'], DEFAULT_SUBPROTOCOLS)).toBeUndefined();
  });

  it('each versioned token names its codec; other strings name none', () => {
    expect(codecForSubprotocol('ackwire.v1.superjson')).toBe(superjsonCodec);
    expect(codecForSubprotocol('ackwire.v1.json')).toBe(jsonCodec);
    for (const token of [NEGOTIATION_TOKEN, 'foo', '', 'toString', '__proto__', 'constructor', 'hasOwnProperty']) {
      expect(codecForSubprotocol(token), token).toBeUndefined();
    }
  });

  it('clients offer superjson first, then json', () => {
    expect(DEFAULT_SUBPROTOCOLS).toStrictEqual(['ackwire.v1.superjson', 'ackwire.v1.json']);
  });
});
