/**
 * One client connection: the hello handshake, then calls, subscriptions and acks, following
 * docs/protocol.md. Transport-free: it reads text frames and writes to a WireSocket.
 */
import {
  AckwireError,
  CloseCode,
  MessageType,
  PROTOCOL_VERSION,
  PayloadViolation,
  ProtocolViolation,
  closeReason,
  decodeClientMessage,
  encodeServerMessage,
  safeParseFast,
  type CallMessage,
  type ClientMessage,
  type Codec,
  type HelloMessage,
  type ProcedureDef,
  type SubscribeMessage,
} from '@ackwire/core';
import { nestsDeeperThan, peekRequestId } from './depth.js';
import { CredentialExpiry } from './expiry.js';
import type { HelloWaiter } from './hello-deadlines.js';
import type { Handshake } from './handshake.js';
import { badRequestFrame, errorFrame, parseWith, thrownFrame } from './outcome.js';
import { TokenBucket } from './rate-limiter.js';
import { reauthenticate } from './reauth.js';
import type { AckwireServer } from './server.js';
import type { CallRecord, Session } from './session.js';
import type { WireSocket } from './socket.js';
import type { LocalTopic, TopicMember } from './topic-hub.js';
import type { TopicKey } from './handlers.js';

type State = 'hello' | 'starting' | 'open' | 'closed';

const decoder = new TextDecoder('utf-8', { fatal: true });

const isPromise = <T>(v: T | Promise<T>): v is Promise<T> => typeof (v as { then?: unknown } | null)?.then === 'function';

/** `next(value)` now if `value` is not a promise, else when it resolves. */
function andThen<T, R>(value: T | Promise<T>, next: (v: T) => R | Promise<R>): R | Promise<R> {
  return isPromise(value) ? value.then(next) : next(value);
}

/** What a procedure's handler gets besides its input. A class: the signal's controller is made only when a
 * handler reads it. */
class HandlerCallInfo {
  readonly #record: CallRecord;

  constructor(
    readonly ctx: unknown,
    readonly callId: number,
    readonly sessionId: string,
    record: CallRecord,
  ) {
    this.#record = record;
  }

  get signal(): AbortSignal {
    return (this.#record.controller ??= new AbortController()).signal;
  }
}

export class ServerConnection implements TopicMember, HelloWaiter {
  private state: State = 'hello';
  /** Frames that arrived while the hello was being processed. */
  private early: string[] | undefined;
  session: Session<ServerConnection> | undefined;
  ctx: unknown;
  /** Active subscriptions by id; `undefined` while the subscribe is being processed. Made on first use, like
   * the other tables here: an idle server holds one connection object per client. */
  private subs: Map<number, LocalTopic | undefined> | undefined;
  /** Topic by ref, for acks. */
  private topics: Map<number, LocalTopic> | undefined;
  private receipts: number[] | undefined;
  private expiryTimer: CredentialExpiry | undefined;
  /** When the context's credentials expire (the server's `expiresAt`); made only when there is an expiry. */
  get expiry(): CredentialExpiry {
    return (this.expiryTimer ??= new CredentialExpiry(() => this.close(CloseCode.UNAUTHORIZED, 'credentials expired')));
  }
  private readonly rate: TokenBucket;
  private readingPaused = false;

  constructor(
    private readonly server: AckwireServer<any, any, any>,
    private readonly socket: WireSocket,
    readonly handshake: Handshake,
    readonly codec: Codec,
  ) {
    server.helloDeadlines.add(this);
    this.rate = new TokenBucket(server.limits.messagesPerSecond, server.limits.messageBurst);
  }

  /** The hello deadline passed (see HelloDeadlines). */
  helloOverdue(): void {
    if (this.state === 'hello' || this.state === 'starting') this.close(CloseCode.HELLO_TIMEOUT, 'no hello in time');
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  // ---- transport events --------------------------------------------------------------------------------

  /** A frame arrived. Binary frames must hold UTF-8 JSON text like text frames. */
  message(data: string | Uint8Array): void {
    if (this.state === 'closed') return;
    if (!this.withinRate()) return this.close(CloseCode.RATE_LIMITED, 'message rate limit exceeded');
    if (this.expiryTimer?.expired()) return this.close(CloseCode.UNAUTHORIZED, 'credentials expired');
    let text: string;
    if (typeof data === 'string') text = data;
    else {
      try {
        text = decoder.decode(data);
      } catch {
        return this.close(CloseCode.BAD_MESSAGE, 'frame is not valid UTF-8');
      }
    }
    if (nestsDeeperThan(text, this.server.limits.maxDepth)) {
      // Too deep to parse: a call or subscribe is answered by its id, anything else closes.
      const id = this.state === 'open' ? peekRequestId(text) : undefined;
      if (id === undefined) return this.close(CloseCode.BAD_MESSAGE, 'frame nested too deeply');
      return this.send(errorFrame(id, 'PAYLOAD_TOO_LARGE', `Nested deeper than ${this.server.limits.maxDepth} levels`, null, this.codec));
    }
    if (this.state === 'starting') {
      const early = (this.early ??= []);
      if (early.length >= this.server.limits.maxEarlyFrames) return this.close(CloseCode.BAD_MESSAGE, 'too many frames before welcome');
      early.push(text);
      return;
    }
    this.handle(text);
  }

  /** Decode and act on a frame that passed the transport-level checks. */
  private handle(text: string): void {
    if (this.state === 'closed') return;
    let msg: ClientMessage;
    try {
      msg = decodeClientMessage(text, this.codec);
    } catch (err) {
      if (err instanceof PayloadViolation) {
        this.send(errorFrame(err.id, 'BAD_REQUEST', err.message, null, this.codec));
        return;
      }
      if (err instanceof ProtocolViolation) return this.close(err.closeCode, err.message);
      return this.failed('decoding a frame failed', err);
    }
    try {
      this.dispatch(msg);
    } catch (err) {
      this.failed('handling a frame failed', err);
    }
  }

  /**
   * Apply the message rate limit to one frame. Over the rate, reading from the connection pauses until the
   * bucket refills; only a connection that overdraws it by a further burst (or cannot be paused) is closed.
   */
  withinRate(): boolean {
    const verdict = this.rate.take();
    if (verdict === 'ok') return true;
    if (verdict === 'over' || !this.socket.pause || !this.socket.resume) return false;
    if (!this.readingPaused) {
      this.readingPaused = true;
      this.socket.pause();
      setTimeout(() => {
        this.readingPaused = false;
        if (this.state !== 'closed') this.socket.resume!();
      }, this.rate.refillMs).unref?.();
    }
    return true;
  }

  /** The transport closed. */
  closed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.teardown();
  }

  private teardown(): void {
    this.expiryTimer?.clear();
    if (this.subs) for (const topic of this.subs.values()) if (topic) this.server.hub.leave(this, topic);
    this.subs = undefined;
    this.topics = undefined;
    if (this.session) this.server.sessions.detach(this.session, this);
    this.server.forget(this);
  }

  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.server.refusals.closed(code, reason, this.handshake);
    this.socket.close(code, closeReason(reason));
    this.teardown();
  }

  /** Another connection resumed our session. */
  replaced(): void {
    this.session = undefined;
    this.close(CloseCode.SESSION_REPLACED, 'session resumed by another connection');
  }

  send(frame: string | Uint8Array): void {
    if (this.state === 'closed') return;
    this.socket.send(frame);
    if (this.socket.bufferedAmount > this.server.limits.maxBufferedBytes) this.overflow();
  }

  deliver(_topic: LocalTopic, _offset: number, frame: Uint8Array): void {
    this.send(frame);
  }

  get buffered(): number {
    return this.socket.bufferedAmount;
  }

  get bufferLimit(): number {
    return this.server.limits.maxBufferedBytes;
  }

  get alive(): boolean {
    return this.state !== 'closed';
  }

  overflow(): void {
    this.close(CloseCode.SLOW_CONSUMER, 'send buffer limit exceeded');
  }

  /**
   * A topic's history was lost in the broker: close with 4500 so the client reconnects, resumes its session
   * and subscribes again from its last offsets; that subscribe answers `gap: 'epoch'` for this topic.
   */
  historyLost(topic: LocalTopic): void {
    this.close(CloseCode.INTERNAL_ERROR, `event history of a topic was lost (topic ${topic.ref})`);
  }

  // ---- messages ----------------------------------------------------------------------------------------

  private dispatch(msg: ClientMessage): void {
    if (this.state === 'hello') {
      if (msg.type !== MessageType.HELLO) return this.close(CloseCode.BAD_MESSAGE, 'the first message must be hello');
      return this.hello(msg);
    }
    switch (msg.type) {
      case MessageType.HELLO:
        return this.close(CloseCode.TOO_MANY_HELLOS, 'hello was already received');
      case MessageType.CALL:
        return this.call(msg);
      case MessageType.SUBSCRIBE:
        return void this.subscribe(msg);
      case MessageType.UNSUBSCRIBE: {
        if (!this.subs?.has(msg.id)) return;
        const topic = this.subs.get(msg.id);
        this.subs.delete(msg.id);
        if (topic) this.server.hub.leave(this, topic);
        if (topic && !topic.members.has(this)) this.topics?.delete(topic.ref);
        return;
      }
      case MessageType.CANCEL: {
        const session = this.session!;
        const record = session.calls.get(msg.id);
        if (record && record.frame === undefined) {
          this.finish(session, msg.id, record, errorFrame(msg.id, 'CANCELLED', 'Cancelled by the caller', null, this.codec));
          (record.controller ??= new AbortController()).abort(new AckwireError('CANCELLED'));
        }
        return;
      }
      case MessageType.ACK: {
        const session = this.session!;
        session.setWatermark(msg.callWatermark);
        for (const [ref, offset] of msg.offsets) {
          const topic = this.topics?.get(ref);
          if (!topic) continue;
          const prev = session.acked.get(topic.name);
          if (!prev || prev.epoch !== topic.head.epoch || prev.offset < offset) {
            session.acked.set(topic.name, { epoch: topic.head.epoch, offset });
          }
        }
        return;
      }
      case MessageType.PING:
        return this.send(encodeServerMessage({ type: MessageType.PONG }, this.codec));
      case MessageType.PONG:
        return;
      case MessageType.AUTHENTICATE:
        return void reauthenticate(this.server, this, msg);
    }
  }

  /**
   * The hello: version and contract checks, connection params, context, then the session and the welcome.
   * Synchronous when the params schema and `context` are (the usual case), so the welcome and the answers to
   * calls that came right behind the hello leave in one write.
   */
  private hello(msg: HelloMessage): void {
    const server = this.server;
    if (msg.version !== PROTOCOL_VERSION) {
      return this.close(CloseCode.VERSION_MISMATCH, `unsupported protocol version ${msg.version}; server speaks ${PROTOCOL_VERSION}`);
    }
    if (msg.fingerprint !== server.fingerprint) {
      return this.close(CloseCode.CONTRACT_MISMATCH, `contract mismatch: server ${server.fingerprint}, client ${msg.fingerprint}`);
    }
    this.state = 'starting';
    if (!server.paramsSchema) return this.withParams(msg, msg.params);
    let parsed: ReturnType<typeof parseWith>;
    try {
      parsed = parseWith(server.paramsSchema, msg.params);
    } catch (err) {
      return this.helloFailed(err);
    }
    if (isPromise(parsed)) {
      parsed
        .then(
          (p) => (p.success ? this.withParams(msg, p.data) : this.close(CloseCode.BAD_MESSAGE, 'invalid connection params')),
          (err: unknown) => this.helloFailed(err),
        )
        .catch((err: unknown) => this.failed('the hello failed', err));
    } else if (parsed.success) this.withParams(msg, parsed.data);
    else this.close(CloseCode.BAD_MESSAGE, 'invalid connection params');
  }

  private withParams(msg: HelloMessage, params: unknown): void {
    if (this.state === 'closed') return;
    let ctx: unknown;
    try {
      ctx = this.server.buildContext(this.handshake, params);
    } catch (err) {
      return this.helloFailed(err);
    }
    if (isPromise(ctx)) {
      ctx
        .then(
          (c) => this.welcome(msg, c),
          (err: unknown) => this.helloFailed(err),
        )
        .catch((err: unknown) => this.failed('the hello failed', err));
    } else this.welcome(msg, ctx);
  }

  /** A bug on the server's side: log it and close this connection only. */
  private failed(what: string, err: unknown): void {
    this.server.logger.error(what, { error: err });
    this.close(CloseCode.INTERNAL_ERROR, 'internal error');
  }

  private helloFailed(err: unknown): void {
    if (err instanceof AckwireError && (err.code === 'UNAUTHORIZED' || err.code === 'FORBIDDEN')) {
      return this.close(err.code === 'UNAUTHORIZED' ? CloseCode.UNAUTHORIZED : CloseCode.FORBIDDEN, err.message);
    }
    this.server.logger.error('context failed', { error: err });
    this.close(CloseCode.INTERNAL_ERROR, 'internal error');
  }

  private welcome(msg: HelloMessage, ctx: unknown): void {
    const server = this.server;
    if (this.state === 'closed') return;
    this.ctx = ctx;
    const expiresAt = server.expiryOf(ctx);
    if (expiresAt !== undefined && !this.expiry.set(expiresAt)) return this.close(CloseCode.UNAUTHORIZED, 'credentials expired');
    const resumed = msg.resume ? server.sessions.resume(msg.resume.sessionId, msg.resume.token, this) : undefined;
    this.session = resumed ?? server.sessions.create(this);
    server.noteOwner(this.session, ctx);
    this.state = 'open';
    this.send(
      encodeServerMessage(
        {
          type: MessageType.WELCOME,
          sessionId: this.session.id,
          resumeToken: this.session.token,
          resumed: resumed !== undefined,
          heartbeatMs: server.heartbeatMs,
          lastId: this.session.lastId,
          limits: { maxInFlight: server.limits.maxInFlight, maxPayload: this.socket.maxPayload ?? 0 },
        },
        this.codec,
      ),
    );
    const early = this.early;
    this.early = undefined;
    if (early) for (const text of early) this.handle(text);
  }

  // ---- calls -------------------------------------------------------------------------------------------

  private call(msg: CallMessage): void {
    const session = this.session!;
    const { id } = msg;
    if (id > session.lastId) session.lastId = id;
    const existing = session.calls.get(id);
    if (existing) {
      // A retry: never run twice. Send the outcome again, or a receipt while it runs.
      if (existing.frame !== undefined) this.send(existing.frame);
      else this.receipt(id);
      return;
    }
    if (id < session.callWatermark) return; // the client already confirmed this outcome
    const server = this.server;
    const def = server.procedures.get(msg.path);
    if (!def) return this.reply(id, errorFrame(id, 'NOT_FOUND', `No procedure "${msg.path.slice(0, 64)}"`, null, this.codec));
    if (session.running >= server.limits.maxInFlight) {
      this.send(errorFrame(id, 'TOO_MANY_REQUESTS', 'Too many calls in flight', null, this.codec));
      return;
    }
    const record: CallRecord = { frame: undefined, controller: undefined, timer: undefined };
    session.remember(id, record);
    session.running++;
    if (msg.timeoutMs !== null) {
      record.timer = setTimeout(() => {
        record.timer = undefined;
        this.finish(session, id, record, errorFrame(id, 'TIMEOUT', 'Deadline exceeded', null, this.codec));
        (record.controller ??= new AbortController()).abort(new AckwireError('TIMEOUT'));
      }, Math.min(msg.timeoutMs, 2 ** 31 - 1)); // longer delays make setTimeout fire at once
    }
    const parsed = parseWith(def.def.input, msg.input);
    if (parsed instanceof Promise) {
      this.receipt(id);
      parsed.then(
        (p) => this.run(session, id, record, def, p),
        (err: unknown) => this.failedCall(session, id, record, msg.path, err),
      );
    } else this.run(session, id, record, def, parsed);
  }

  private run(
    session: Session<ServerConnection>,
    id: number,
    record: CallRecord,
    proc: AckwireServer<any, any, any>['procedures'] extends Map<string, infer P> ? P : never,
    parsed: { success: true; data: unknown } | { success: false; error: import('zod').ZodError },
  ): void {
    if (record.frame !== undefined) return;
    if (!parsed.success) return this.finish(session, id, record, badRequestFrame(id, parsed.error, this.codec));
    const path = proc.def.path;
    let out: unknown;
    try {
      const gate = this.server.guards.has(path)
        ? this.server.guards.check({ ctx: this.ctx, input: parsed.data, path, kind: 'procedure', sessionId: session.id })
        : undefined;
      const info = new HandlerCallInfo(this.ctx, id, session.id, record);
      out = gate ? gate.then(() => (record.frame === undefined ? proc.handler(parsed.data, info) : undefined)) : proc.handler(parsed.data, info);
    } catch (err) {
      return this.failedCall(session, id, record, path, err);
    }
    if (out !== null && typeof out === 'object' && typeof (out as Promise<unknown>).then === 'function') {
      this.receipt(id);
      (out as Promise<unknown>).then(
        (output) => this.output(session, id, record, proc.def, output),
        (err: unknown) => this.failedCall(session, id, record, path, err),
      );
    } else this.output(session, id, record, proc.def, out);
  }

  /** A handler's output: checked against the contract, then recorded and sent. */
  private output(session: Session<ServerConnection>, id: number, record: CallRecord, def: ProcedureDef, output: unknown): void {
    if (record.frame !== undefined) return;
    try {
      const checked = safeParseFast(def.output, output);
      if (!checked.success) {
        this.server.logger.error(`${def.path}: handler returned an output that fails its schema`, { issues: checked.error.issues });
        return this.finish(session, id, record, errorFrame(id, 'INTERNAL_ERROR', 'Internal server error', null, this.codec));
      }
      this.finish(session, id, record, encodeServerMessage({ type: MessageType.RESULT, id, output: checked.data }, this.codec));
    } catch (err) {
      this.failedCall(session, id, record, def.path, err);
    }
  }

  private failedCall(session: Session<ServerConnection>, id: number, record: CallRecord, path: string, err: unknown): void {
    this.finish(session, id, record, thrownFrame(id, err, this.codec, this.server.logger, path));
  }

  /** Record a call's outcome and send it to whichever connection holds the session now. */
  private finish(session: Session<ServerConnection>, id: number, record: CallRecord, frame: string): void {
    if (record.frame !== undefined) return;
    record.frame = frame;
    if (record.timer) clearTimeout(record.timer);
    record.timer = undefined;
    session.running--;
    session.connection?.send(frame);
  }

  /** An outcome that is not recorded (the call never ran). */
  private reply(id: number, frame: string): void {
    const record: CallRecord = { frame, controller: undefined, timer: undefined };
    this.session!.remember(id, record);
    this.send(frame);
  }

  /** Receipts are batched: one frame per turn of the event loop for the calls still running. */
  private receipt(id: number): void {
    if ((this.receipts ??= []).push(id) > 1) return;
    setImmediate(() => {
      const ids = this.receipts!;
      this.receipts = undefined;
      const session = this.session;
      if (!session) return;
      const pending = ids.filter((i) => session.calls.get(i)?.frame === undefined);
      if (pending.length > 0) this.send(encodeServerMessage({ type: MessageType.RECEIVED, ids: pending }, this.codec));
    });
  }

  // ---- subscriptions -----------------------------------------------------------------------------------

  /**
   * Parse, guard, map to a topic and join it. Every step that answers synchronously runs synchronously, so
   * with synchronous handlers and the in-memory broker the subscription is live before the next frame is read.
   */
  private subscribe(msg: SubscribeMessage): void {
    const { id } = msg;
    const subs = (this.subs ??= new Map());
    if (subs.has(id)) return this.close(CloseCode.DUPLICATE_ID, `subscription ${id} is already active`);
    if (id > this.session!.lastId) this.session!.lastId = id;
    const server = this.server;
    const sub = server.subscriptions.get(msg.path);
    if (!sub) return this.send(errorFrame(id, 'NOT_FOUND', `No subscription "${msg.path.slice(0, 64)}"`, null, this.codec));
    if (subs.size >= server.maxSubscriptions) {
      return this.send(errorFrame(id, 'TOO_MANY_REQUESTS', 'Too many subscriptions', null, this.codec));
    }
    subs.set(id, undefined);
    const gone = (): boolean => this.state === 'closed' || this.subs !== subs || !subs.has(id);
    const refuse = (err: unknown): void => {
      if (gone()) return;
      this.subs?.delete(id);
      this.send(thrownFrame(id, err, this.codec, server.logger, msg.path));
    };
    const sessionId = this.session!.id;
    try {
      const flow = andThen(parseWith(sub.def.input, msg.input), (parsed) => {
        if (gone()) return;
        if (!parsed.success) {
          this.subs?.delete(id);
          return this.send(badRequestFrame(id, parsed.error, this.codec));
        }
        const info = { ctx: this.ctx, input: parsed.data, path: msg.path, kind: 'subscription' as const, sessionId };
        return andThen(server.guards.check(info), () => {
          if (gone()) return;
          return andThen(sub.handler(parsed.data, { ctx: this.ctx, sessionId }) as TopicKey | Promise<TopicKey>, (key) => {
            if (gone()) return;
            this.join(id, server.topicName(sub.def, key), msg.from, gone);
          });
        });
      });
      if (isPromise(flow)) flow.catch(refuse);
    } catch (err) {
      refuse(err);
    }
  }

  private join(id: number, topicName: string, from: SubscribeMessage['from'], gone: () => boolean): void {
    const failed = (err: unknown): void => {
      if (gone()) return;
      this.subs?.delete(id);
      this.server.logger.error('broker failed to join a topic', { error: err });
      this.send(errorFrame(id, 'UNAVAILABLE', 'Subscription unavailable', null, this.codec));
    };
    try {
      const joining = this.server.hub.join(this, topicName, from, (joined) => {
        if (gone()) return false;
        this.subs!.set(id, joined.topic);
        (this.topics ??= new Map()).set(joined.topic.ref, joined.topic);
        this.send(
          encodeServerMessage(
            { type: MessageType.SUBSCRIBED, id, topic: joined.topic.ref, epoch: joined.epoch, offset: joined.offset, gap: joined.gap },
            this.codec,
          ),
        );
        return true;
      });
      if (isPromise(joining)) joining.catch(failed);
    } catch (err) {
      failed(err);
    }
  }

}
