/**
 * The ackwire.v1 wire protocol. This module mirrors docs/protocol.md, which is normative: message types,
 * their fields by position, subprotocol tokens, close codes, and the functions that encode, decode and
 * validate frames. Nothing else in Ackwire builds or parses a frame.
 *
 * Every frame is a JSON array whose first element is the message type number. Optional trailing fields may
 * be omitted; an omitted field in the middle is written as `null`.
 */
import { codecs, type Codec, type CodecName, type PayloadMeta } from './codec.js';
import { WIRE_ERROR_CODES, type ErrorCode } from './errors.js';

export const PROTOCOL_VERSION = 1;

// ---- subprotocol negotiation ---------------------------------------------------------------------------

export const SUBPROTOCOLS = {
  'ackwire.v1.superjson': 'superjson',
  'ackwire.v1.json': 'json',
} as const satisfies Record<string, CodecName>;

export type Subprotocol = keyof typeof SUBPROTOCOLS;

/**
 * The negotiation token. A client lists it last; a server that accepts none of the client's versioned tokens
 * selects it only to close at once with 4406 and name the tokens it speaks, so that even a browser (which
 * cannot read a refused HTTP response) learns why.
 */
export const NEGOTIATION_TOKEN = 'ackwire';

export const DEFAULT_SUBPROTOCOLS: readonly Subprotocol[] = ['ackwire.v1.superjson', 'ackwire.v1.json'];

export function codecForSubprotocol(token: string): Codec | undefined {
  const name = (SUBPROTOCOLS as Record<string, CodecName | undefined>)[token];
  return name === undefined || !Object.prototype.hasOwnProperty.call(SUBPROTOCOLS, token) ? undefined : codecs[name];
}

/** Server side: the first token the client offered that the server accepts, in the client's order. */
export function selectSubprotocol(offered: Iterable<string>, accepted: readonly Subprotocol[]): Subprotocol | undefined {
  for (const token of offered) if ((accepted as readonly string[]).includes(token)) return token as Subprotocol;
  return undefined;
}

// ---- close codes ---------------------------------------------------------------------------------------

export const CloseCode = {
  /** Orderly close by either side. */
  NORMAL: 1000,
  /** Server shutting down or restarting. Transient. */
  GOING_AWAY: 1001,
  /** The server is draining for a restart or deploy ("service restart"): reconnect at once, to another node,
   * and resume the session there. Transient: retried after a small jitter, not the full backoff. */
  SERVICE_RESTART: 1012,
  /** A frame exceeded the server's maximum payload. Transient. */
  MESSAGE_TOO_BIG: 1009,
  /** The server refused the upgrade because it is at capacity (HTTP 503, told in band). Transient: back off
   * longer. */
  TRY_AGAIN_LATER: 1013,
  /** Server fault. Transient. */
  INTERNAL_ERROR: 4500,
  /** A frame was not a valid ackwire.v1 message. Fatal: a client that sent one has a bug. */
  BAD_MESSAGE: 4400,
  /** Authentication failed, or credentials expired or were revoked. Fatal. */
  UNAUTHORIZED: 4401,
  /** Authenticated but refused. Fatal. */
  FORBIDDEN: 4403,
  /** The endpoint's path is not the one requested (HTTP 404, told in band). Fatal. */
  NOT_FOUND: 4404,
  /** No common subprotocol token. Fatal. */
  SUBPROTOCOL_MISMATCH: 4406,
  /** No hello within the server's hello timeout. Transient. */
  HELLO_TIMEOUT: 4408,
  /** A call or subscribe reused an id that is active with another content. Fatal. */
  DUPLICATE_ID: 4409,
  /** Another connection resumed this session. Fatal for this connection. */
  SESSION_REPLACED: 4410,
  /** The client's contract fingerprint differs from the server's. Fatal. */
  CONTRACT_MISMATCH: 4412,
  /** Unsupported protocol version in hello. Fatal. */
  VERSION_MISMATCH: 4426,
  /** A second hello on one connection. Fatal. */
  TOO_MANY_HELLOS: 4429,
  /** The connection's message rate limit was exceeded, or the upgrade was refused for a per-address limit
   * (HTTP 429, told in band). Transient: back off longer. */
  RATE_LIMITED: 4420,
  /** The client did not read fast enough: its send buffer passed the server's limit. Transient. */
  SLOW_CONSUMER: 4509,
  /** The client saw no traffic from the server within its dead-peer timeout (client-side only). */
  PEER_TIMEOUT: 4504,
} as const;

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([
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
]);

/** A fatal close code is never retried by the client; every other code is. */
export function isFatalCloseCode(code: number): boolean {
  return FATAL_CLOSE_CODES.has(code);
}

/** Close codes after which a client waits longer than its usual backoff: the server asked for less load. */
const LOAD_CLOSE_CODES: ReadonlySet<number> = new Set([CloseCode.RATE_LIMITED, CloseCode.TRY_AGAIN_LATER]);

export function isLoadCloseCode(code: number): boolean {
  return LOAD_CLOSE_CODES.has(code);
}

/** A close code after which a client reconnects at once (after a small jitter): the server is draining. */
export function isRestartCloseCode(code: number): boolean {
  return code === CloseCode.SERVICE_RESTART;
}

/**
 * The close code that tells a refused upgrade's HTTP status in band (docs/protocol.md §3.1): a server that
 * refuses an upgrade offering the negotiation token completes it selecting that token and closes at once
 * with this code, because a browser cannot read the status of a refused upgrade.
 */
export function refusalCloseCode(status: number): number {
  switch (status) {
    case 400:
      return CloseCode.BAD_MESSAGE;
    case 401:
      return CloseCode.UNAUTHORIZED;
    case 403:
      return CloseCode.FORBIDDEN;
    case 404:
      return CloseCode.NOT_FOUND;
    case 429:
      return CloseCode.RATE_LIMITED;
    case 503:
      return CloseCode.TRY_AGAIN_LATER;
    default:
      return CloseCode.INTERNAL_ERROR;
  }
}

/** Close reasons are limited to 123 bytes of UTF-8 by RFC 6455; this trims at a character boundary. */
export function closeReason(text: string): string {
  const encoder = new TextEncoder();
  if (encoder.encode(text).length <= 123) return text;
  let out = '';
  let bytes = 0;
  for (const char of text) {
    // Whole code points only, so a surrogate pair is never split.
    const size = encoder.encode(char).length;
    if (bytes + size > 123) break;
    out += char;
    bytes += size;
  }
  return out;
}

// ---- message types -------------------------------------------------------------------------------------

export const MessageType = {
  HELLO: 1,
  WELCOME: 2,
  CALL: 3,
  RECEIVED: 4,
  RESULT: 5,
  ERROR: 6,
  SUBSCRIBE: 7,
  SUBSCRIBED: 8,
  EVENT: 9,
  UNSUBSCRIBE: 10,
  // 11 is unassigned in v1 (a server-sent end of subscription, never used, was dropped).
  ACK: 12,
  CANCEL: 13,
  PING: 14,
  PONG: 15,
  AUTHENTICATE: 16,
} as const;

export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Why a subscription could not be resumed from the offset the client asked for. */
export type GapReason = 'retention' | 'epoch';

export interface ResumeRequest {
  sessionId: string;
  token: string;
}

export interface HelloMessage {
  type: typeof MessageType.HELLO;
  version: number;
  fingerprint: string;
  params: unknown;
  resume: ResumeRequest | null;
}
export interface WelcomeMessage {
  type: typeof MessageType.WELCOME;
  sessionId: string;
  resumeToken: string;
  resumed: boolean;
  /** Highest call or subscription id the session has seen (0 for a new session). A client resuming a session
   * it did not start (a reloaded page) continues its ids above it. */
  lastId: number;
  /** Limits the client must respect: calls in flight at once (0: none) and the largest frame in bytes. */
  limits: ServerLimitsInfo;
}

export interface ServerLimitsInfo {
  maxInFlight: number;
  maxPayload: number;
}
export interface CallMessage {
  type: typeof MessageType.CALL;
  id: number;
  path: string;
  input: unknown;
  /** Relative deadline in ms from the moment the server reads the frame; null for none. */
  timeoutMs: number | null;
}
export interface ReceivedMessage {
  type: typeof MessageType.RECEIVED;
  ids: number[];
}
export interface ResultMessage {
  type: typeof MessageType.RESULT;
  id: number;
  output: unknown;
}
export interface ErrorMessage {
  type: typeof MessageType.ERROR;
  /** The CALL, SUBSCRIBE or AUTHENTICATE answered; 0 for the HELLO (refused params, right before 4400). */
  id: number;
  code: ErrorCode;
  message: string;
  data: unknown;
}
export interface SubscribeMessage {
  type: typeof MessageType.SUBSCRIBE;
  id: number;
  path: string;
  input: unknown;
  /** Resume point: deliver events after this offset of this epoch. */
  from: { epoch: string; offset: number } | null;
}
export interface SubscribedMessage {
  type: typeof MessageType.SUBSCRIBED;
  id: number;
  /** Server-assigned topic number used by event frames. */
  topic: number;
  epoch: string;
  /** Events after this offset follow, in order. */
  offset: number;
  /** Set when `from` could not be honoured: events between `from` and `offset` are lost. */
  gap: GapReason | null;
}
export interface EventMessage {
  type: typeof MessageType.EVENT;
  topic: number;
  offset: number;
  data: unknown;
}
export interface UnsubscribeMessage {
  type: typeof MessageType.UNSUBSCRIBE;
  id: number;
}
export interface AckMessage {
  type: typeof MessageType.ACK;
  /** Every call id below this has its result at the client. 0 for "no information". */
  callWatermark: number;
  /** Ranges of call ids above the watermark whose outcomes are at the client (or are no longer awaited),
   * ascending and disjoint, first and last id inclusive. Absent for none. */
  calls?: Array<[first: number, last: number]>;
}
export interface CancelMessage {
  type: typeof MessageType.CANCEL;
  id: number;
}
export interface PingMessage {
  type: typeof MessageType.PING;
}
export interface PongMessage {
  type: typeof MessageType.PONG;
}
/** New connection params for a live connection (refreshed credentials); answered by a result or an error. */
export interface AuthenticateMessage {
  type: typeof MessageType.AUTHENTICATE;
  id: number;
  params: unknown;
}

export type ClientMessage =
  | HelloMessage
  | CallMessage
  | SubscribeMessage
  | UnsubscribeMessage
  | AckMessage
  | CancelMessage
  | PingMessage
  | PongMessage
  | AuthenticateMessage;

export type ServerMessage =
  | WelcomeMessage
  | ReceivedMessage
  | ResultMessage
  | ErrorMessage
  | SubscribedMessage
  | EventMessage
  | PingMessage
  | PongMessage;

// ---- limits that are part of the protocol --------------------------------------------------------------

export const LIMITS = {
  /** Longest procedure or subscription path. */
  maxPathLength: 256,
  /** Longest session id, resume token, epoch or contract fingerprint. */
  maxTokenLength: 128,
  /** Longest error message a server sends. */
  maxErrorMessageLength: 1024,
  /** Most ids in one received frame. */
  maxBatch: 4096,
} as const;

// ---- errors raised by decoding -------------------------------------------------------------------------

/** The frame is not an ackwire.v1 message: the connection must be closed with `closeCode`. */
export class ProtocolViolation extends Error {
  constructor(
    readonly closeCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolViolation';
  }
}

/**
 * The frame is well formed but its payload cannot be rebuilt (bad superjson metadata): answer the id with
 * BAD_REQUEST and keep the connection.
 */
export class PayloadViolation extends Error {
  constructor(
    readonly id: number,
    message: string,
  ) {
    super(message);
    this.name = 'PayloadViolation';
  }
}

const bad = (message: string): never => {
  throw new ProtocolViolation(CloseCode.BAD_MESSAGE, message);
};

// ---- field checks --------------------------------------------------------------------------------------

const MAX_ID = Number.MAX_SAFE_INTEGER;

function isId(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_ID;
}
function isOffset(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_ID;
}
/** The id an ERROR gives when it answers the HELLO (which has no id). */
export const HELLO_ID = 0;

function id(v: unknown, what = 'id'): number {
  return isId(v) ? v : bad(`${what} must be an integer from 1 to 2^53-1`);
}
function offset(v: unknown, what: string): number {
  return isOffset(v) ? v : bad(`${what} must be an integer from 0 to 2^53-1`);
}
/** An ack's call-id ranges: `[first, last, first, last, ...]`, ascending, disjoint, at most maxBatch pairs. */
function callRanges(r: unknown[]): Array<[number, number]> {
  if (r.length === 0 || r.length % 2 !== 0 || r.length > 2 * LIMITS.maxBatch) bad('ack call ranges are 1 to 4096 [first, last] pairs');
  const out: Array<[number, number]> = [];
  let previous = 0;
  for (let i = 0; i < r.length; i += 2) {
    const first = id(r[i], 'call range start');
    const last = id(r[i + 1], 'call range end');
    if (first > last || first <= previous) bad('ack call ranges must be ascending and disjoint');
    out.push([first, last]);
    previous = last;
  }
  return out;
}
function token(v: unknown, what: string): string {
  return typeof v === 'string' && v.length > 0 && v.length <= LIMITS.maxTokenLength
    ? v
    : bad(`${what} must be a string of 1 to ${LIMITS.maxTokenLength} characters`);
}
function path(v: unknown): string {
  return typeof v === 'string' && v.length > 0 && v.length <= LIMITS.maxPathLength
    ? v
    : bad(`path must be a string of 1 to ${LIMITS.maxPathLength} characters`);
}
function meta(v: unknown): PayloadMeta | undefined {
  if (v === undefined || v === null || v === 0) return undefined;
  if (typeof v === 'object' && !Array.isArray(v)) return v as PayloadMeta;
  return bad('payload metadata must be an object, null or 0');
}
function arity(frame: unknown[], min: number, max: number, name: string): void {
  if (frame.length < min || frame.length > max) bad(`${name} takes ${min - 1} to ${max - 1} fields`);
}
function payload(codec: Codec, json: unknown, m: PayloadMeta | undefined, forId: number): unknown {
  if (json === undefined) json = null;
  if (m === undefined) return json;
  try {
    return codec.decode(json, m);
  } catch (err) {
    throw new PayloadViolation(forId, `payload metadata rejected: ${err instanceof Error ? err.message : 'invalid'}`);
  }
}

/** The limits object of a welcome; absent or unknown fields mean "no limit" (0). */
function welcomeLimits(v: unknown): ServerLimitsInfo {
  if (v === undefined || v === null) return { maxInFlight: 0, maxPayload: 0 };
  if (typeof v !== 'object' || Array.isArray(v)) return bad('welcome limits must be an object');
  const { maxInFlight = 0, maxPayload = 0 } = v as Record<string, unknown>;
  return { maxInFlight: offset(maxInFlight, 'welcome maxInFlight'), maxPayload: offset(maxPayload, 'welcome maxPayload') };
}

/** JSON.parse a text frame into an array with a message type, or throw ProtocolViolation. */
function parseFrame(text: string): unknown[] {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return bad('frame is not valid JSON');
  }
  if (!Array.isArray(frame) || frame.length === 0) return bad('frame must be a non-empty JSON array');
  return frame;
}

// ---- decoding ------------------------------------------------------------------------------------------

/** Decode a frame received by a server. Throws ProtocolViolation (close) or PayloadViolation (error reply). */
export function decodeClientMessage(text: string, codec: Codec): ClientMessage {
  const f = parseFrame(text);
  switch (f[0]) {
    case MessageType.HELLO: {
      arity(f, 4, 5, 'hello');
      const version = f[1];
      if (typeof version !== 'number' || !Number.isInteger(version)) bad('hello version must be an integer');
      const fingerprint = token(f[2], 'fingerprint');
      let resume: ResumeRequest | null = null;
      if (f[4] !== undefined && f[4] !== null) {
        const r = f[4];
        if (!Array.isArray(r) || r.length !== 2) bad('hello resume must be [sessionId, token]');
        resume = { sessionId: token((r as unknown[])[0], 'sessionId'), token: token((r as unknown[])[1], 'resume token') };
      }
      return { type: MessageType.HELLO, version: version as number, fingerprint, params: f[3] ?? null, resume };
    }
    case MessageType.CALL: {
      arity(f, 4, 6, 'call');
      const callId = id(f[1]);
      const p = path(f[2]);
      const timeout = f[5];
      if (timeout !== undefined && timeout !== null && !(isOffset(timeout) && timeout > 0)) bad('call timeout must be a positive integer');
      const input = payload(codec, f[3], meta(f[4]), callId);
      return { type: MessageType.CALL, id: callId, path: p, input, timeoutMs: (timeout as number | undefined) ?? null };
    }
    case MessageType.SUBSCRIBE: {
      arity(f, 4, 6, 'subscribe');
      const subId = id(f[1]);
      const p = path(f[2]);
      let from: SubscribeMessage['from'] = null;
      if (f[5] !== undefined && f[5] !== null) {
        const r = f[5];
        if (!Array.isArray(r) || r.length !== 2) bad('subscribe from must be [epoch, offset]');
        from = { epoch: token((r as unknown[])[0], 'epoch'), offset: offset((r as unknown[])[1], 'from offset') };
      }
      const input = payload(codec, f[3], meta(f[4]), subId);
      return { type: MessageType.SUBSCRIBE, id: subId, path: p, input, from };
    }
    case MessageType.UNSUBSCRIBE:
      arity(f, 2, 2, 'unsubscribe');
      return { type: MessageType.UNSUBSCRIBE, id: id(f[1]) };
    case MessageType.CANCEL:
      arity(f, 2, 2, 'cancel');
      return { type: MessageType.CANCEL, id: id(f[1]) };
    case MessageType.ACK: {
      arity(f, 2, 3, 'ack');
      const callWatermark = offset(f[1], 'call watermark');
      if (f.length === 2) return { type: MessageType.ACK, callWatermark };
      if (!Array.isArray(f[2])) bad('ack is [12, callWatermark, [first, last, ...]?]');
      return { type: MessageType.ACK, callWatermark, calls: callRanges(f[2] as unknown[]) };
    }
    case MessageType.PING:
      arity(f, 1, 1, 'ping');
      return { type: MessageType.PING };
    case MessageType.PONG:
      arity(f, 1, 1, 'pong');
      return { type: MessageType.PONG };
    case MessageType.AUTHENTICATE:
      arity(f, 3, 3, 'authenticate');
      return { type: MessageType.AUTHENTICATE, id: id(f[1]), params: f[2] ?? null };
    default:
      return bad(`unknown or misdirected message type ${JSON.stringify(f[0])?.slice(0, 16)}`);
  }
}

/** Decode a frame received by a client. Throws ProtocolViolation. */
export function decodeServerMessage(text: string, codec: Codec): ServerMessage {
  const f = parseFrame(text);
  try {
    switch (f[0]) {
      case MessageType.EVENT:
        arity(f, 4, 5, 'event');
        return { type: MessageType.EVENT, topic: id(f[1], 'topic'), offset: offset(f[2], 'offset'), data: payload(codec, f[3], meta(f[4]), 0) };
      case MessageType.RESULT: {
        arity(f, 3, 4, 'result');
        const callId = id(f[1]);
        return { type: MessageType.RESULT, id: callId, output: payload(codec, f[2], meta(f[3]), callId) };
      }
      case MessageType.RECEIVED: {
        if (f.length < 2 || f.length > 1 + LIMITS.maxBatch) bad('received takes 1 or more ids');
        const ids: number[] = [];
        for (let i = 1; i < f.length; i++) ids.push(id(f[i]));
        return { type: MessageType.RECEIVED, ids };
      }
      case MessageType.ERROR: {
        arity(f, 4, 5, 'error');
        const code = f[2];
        if (typeof code !== 'string' || !WIRE_ERROR_CODES.has(code)) bad('error code is not a known code');
        if (typeof f[3] !== 'string') bad('error message must be a string');
        const answered = f[1] === HELLO_ID ? HELLO_ID : id(f[1]);
        return { type: MessageType.ERROR, id: answered, code: code as ErrorCode, message: f[3] as string, data: f[4] ?? null };
      }
      case MessageType.WELCOME: {
        arity(f, 6, 7, 'welcome');
        if (f[1] !== PROTOCOL_VERSION) bad('welcome names another protocol version');
        if (f[4] !== 0 && f[4] !== 1) bad('welcome resumed must be 0 or 1');
        return {
          type: MessageType.WELCOME,
          sessionId: token(f[2], 'sessionId'),
          resumeToken: token(f[3], 'resume token'),
          resumed: f[4] === 1,
          lastId: offset(f[5], 'welcome lastId'),
          limits: welcomeLimits(f[6]),
        };
      }
      case MessageType.SUBSCRIBED: {
        arity(f, 5, 6, 'subscribed');
        const gap = f[5] ?? null;
        if (gap !== null && gap !== 'retention' && gap !== 'epoch') bad('subscribed gap must be "retention", "epoch" or null');
        return {
          type: MessageType.SUBSCRIBED,
          id: id(f[1]),
          topic: id(f[2], 'topic'),
          epoch: token(f[3], 'epoch'),
          offset: offset(f[4], 'offset'),
          gap: gap as GapReason | null,
        };
      }
      case MessageType.PING:
        arity(f, 1, 1, 'ping');
        return { type: MessageType.PING };
      case MessageType.PONG:
        arity(f, 1, 1, 'pong');
        return { type: MessageType.PONG };
      default:
        return bad(`unknown or misdirected message type ${JSON.stringify(f[0])?.slice(0, 16)}`);
    }
  } catch (err) {
    if (err instanceof PayloadViolation) throw new ProtocolViolation(CloseCode.BAD_MESSAGE, err.message);
    throw err;
  }
}

// ---- encoding ------------------------------------------------------------------------------------------

/** JSON text of a frame, dropping trailing undefined/null fields. */
function frame(fields: unknown[], minLength = 1): string {
  let end = fields.length;
  while (end > minLength && (fields[end - 1] === undefined || fields[end - 1] === null)) end--;
  return JSON.stringify(end === fields.length ? fields : fields.slice(0, end));
}

export function encodeClientMessage(msg: ClientMessage, codec: Codec): string {
  switch (msg.type) {
    case MessageType.HELLO:
      return frame([msg.type, msg.version, msg.fingerprint, msg.params ?? null, msg.resume ? [msg.resume.sessionId, msg.resume.token] : null], 4);
    case MessageType.CALL: {
      const p = codec.encode(msg.input);
      return frame([msg.type, msg.id, msg.path, p.json ?? null, p.meta ?? null, msg.timeoutMs], 4);
    }
    case MessageType.SUBSCRIBE: {
      const p = codec.encode(msg.input);
      return frame([msg.type, msg.id, msg.path, p.json ?? null, p.meta ?? null, msg.from ? [msg.from.epoch, msg.from.offset] : null], 4);
    }
    case MessageType.UNSUBSCRIBE:
    case MessageType.CANCEL:
      return frame([msg.type, msg.id]);
    case MessageType.ACK:
      return msg.calls && msg.calls.length > 0 ? JSON.stringify([msg.type, msg.callWatermark, msg.calls.flat()]) : `[${msg.type},${msg.callWatermark}]`;
    case MessageType.PING:
    case MessageType.PONG:
      return `[${msg.type}]`;
    case MessageType.AUTHENTICATE:
      return frame([msg.type, msg.id, msg.params ?? null], 3);
  }
}

export function encodeServerMessage(msg: ServerMessage, codec: Codec): string {
  switch (msg.type) {
    case MessageType.WELCOME:
      return JSON.stringify([
        msg.type,
        PROTOCOL_VERSION,
        msg.sessionId,
        msg.resumeToken,
        msg.resumed ? 1 : 0,
        msg.lastId,
        { maxInFlight: msg.limits.maxInFlight, maxPayload: msg.limits.maxPayload },
      ]);
    case MessageType.RECEIVED:
      return JSON.stringify([msg.type, ...msg.ids]);
    case MessageType.RESULT: {
      const p = codec.encode(msg.output);
      return frame([msg.type, msg.id, p.json ?? null, p.meta ?? null], 3);
    }
    case MessageType.ERROR:
      return frame([msg.type, msg.id, msg.code, msg.message.slice(0, LIMITS.maxErrorMessageLength), msg.data ?? null]);
    case MessageType.SUBSCRIBED:
      return frame([msg.type, msg.id, msg.topic, msg.epoch, msg.offset, msg.gap]);
    case MessageType.EVENT:
      return encodeEvent(msg.topic, msg.offset, msg.data, codec);
    case MessageType.PING:
    case MessageType.PONG:
      return `[${msg.type}]`;
  }
}

/** The event frame. Built once per topic, event and codec, and sent as-is to every subscriber. */
export function encodeEvent(topic: number, offset: number, data: unknown, codec: Codec): string {
  const p = codec.encode(data);
  return frame([MessageType.EVENT, topic, offset, p.json ?? null, p.meta ?? null], 4);
}
