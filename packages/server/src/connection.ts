/**
 * One client connection: frame intake (rate, input slices and the frames held behind an answer, see
 * input-slices.ts; expiry, UTF-8, depth, frames before the welcome), its lifecycle, and dispatch of each message to the module that does its job: hello.ts (the handshake),
 * calls.ts (call execution), subscriptions.ts, reauth.ts. Transport-free: it reads text frames and writes
 * to a WireSocket; it sees the server only through a ConnectionRuntime.
 */
import {
  CloseCode,
  MessageType,
  PayloadViolation,
  ProtocolViolation,
  closeReason,
  decodeClientMessage,
  encodeServerMessage,
  type CallMessage,
  type ClientMessage,
  type Codec,
} from '@ackwire/core';
import { actOnClaim, cancelCall, claimFor, type CallHost } from './calls.js';
import { ClaimQueue } from './claim-queue.js';
import { isPromise } from './is-promise.js';
import type { ConnectionRuntime } from './connection-runtime.js';
import { nestsDeeperThan, peekRequestId } from './depth.js';
import { CredentialExpiry } from './expiry.js';
import type { HelloWaiter } from './hello-deadlines.js';
import { hello } from './hello.js';
import type { Handshake } from './handshake.js';
import { InputSlices, type Input, type InputOwner } from './input-slices.js';
import { errorFrame } from './outcome.js';
import { TokenBucket } from './rate-limiter.js';
import { reauthenticate } from './reauth.js';
import type { LiveSession } from './session.js';
import type { WireSocket } from './socket.js';
import { leaveAll, subscribe, unsubscribe, type SubscriberState } from './subscriptions.js';
import type { LocalTopic, TopicMember } from './topic-hub.js';

/** What a binding holds of a connection it accepted. */
export interface Connection {
  /** A frame arrived. Binary frames must hold UTF-8 JSON text like text frames. */
  message(data: string | Uint8Array): void;
  /** A WebSocket ping arrived: it counts against the rate limit like any frame, and `answer` (the pong)
   * runs in its turn among the connection's frames. */
  ping(answer: () => void): void;
  /** Close with a close code (see docs/protocol.md) and reason. */
  close(code: number, reason: string): void;
  /** The transport closed. */
  closed(): void;
}

export type ConnectionState = 'hello' | 'starting' | 'open' | 'closed';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Why reading from the transport is paused; it resumes when no reason is left. */
const PAUSED_FOR_RATE = 1;
const PAUSED_FOR_INPUT = 2;

export class ServerConnection implements Connection, TopicMember, HelloWaiter, CallHost, SubscriberState, InputOwner {
  state: ConnectionState = 'hello';
  session: LiveSession | undefined;
  ctx: unknown;
  /** Active subscriptions by id; `undefined` while the subscribe is being processed. Made on first use, like
   * the other tables here: an idle server holds one connection object per client. */
  subs: Map<number, LocalTopic | undefined> | undefined;
  receipts: number[] | undefined;
  /** Frames in order, a slice per turn; those behind one that waits for an answer wait with it. */
  private readonly input: InputSlices;
  /**
   * Calls waiting for their claims from an asynchronous session store, acted on in the order read (made on
   * the first claim that does not answer at once). Frames other than calls wait until none is left, so
   * frames take effect in the order they were read.
   */
  private claims: ClaimQueue | undefined;
  /** What a drain waits for: the frame waiting for an answer (the welcome, or a frame behind calls waiting
   * for their claims), or the calls waiting for their claims. */
  get storeWait(): Promise<void> | undefined {
    return this.input.waiting ?? (this.claimsWaiting ? this.claims!.drained() : undefined);
  }
  private get claimsWaiting(): boolean {
    return this.claims !== undefined && this.claims.size > 0;
  }
  private expiryTimer: CredentialExpiry | undefined;
  /** When the context's credentials expire (the server's `expiresAt`); made only when there is an expiry. */
  get expiry(): CredentialExpiry {
    return (this.expiryTimer ??= new CredentialExpiry(() => this.close(CloseCode.UNAUTHORIZED, 'credentials expired')));
  }
  get hasExpiry(): boolean {
    return this.expiryTimer !== undefined;
  }
  private readonly rate: TokenBucket;
  private paused = 0;

  constructor(
    readonly runtime: ConnectionRuntime,
    readonly socket: WireSocket,
    readonly handshake: Handshake,
    readonly codec: Codec,
  ) {
    runtime.helloDeadlines.add(this);
    this.rate = new TokenBucket(runtime.limits.messagesPerSecond, runtime.limits.messageBurst);
    this.input = new InputSlices(this);
  }

  /** The hello deadline passed (see HelloDeadlines). */
  helloOverdue(): void {
    if (this.state === 'hello' || this.state === 'starting') this.close(CloseCode.HELLO_TIMEOUT, 'no hello in time');
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  // ---- transport events --------------------------------------------------------------------------------

  message(data: string | Uint8Array): void {
    this.arrived(data);
  }

  ping(answer: () => void): void {
    this.arrived(answer);
  }

  private arrived(data: Input): void {
    if (this.state === 'closed') return;
    if (!this.withinRate()) return this.close(CloseCode.RATE_LIMITED, 'message rate limit exceeded');
    this.input.push(data);
    if (this.state === 'starting') this.boundEarly();
  }

  /**
   * Frames held before the welcome are bounded by count (more close with 4400) and by size: past
   * `maxEarlyBytes`, reading pauses until the welcome (a transport that cannot pause is closed with 4400).
   */
  private boundEarly(): void {
    const limits = this.runtime.limits;
    if (this.input.held > limits.maxEarlyFrames) return this.close(CloseCode.BAD_MESSAGE, 'too many frames before welcome');
    if (this.input.heldSize <= limits.maxEarlyBytes) return;
    if (!this.socket.pause || !this.socket.resume) return this.close(CloseCode.BAD_MESSAGE, 'too many bytes before welcome');
    this.input.pause();
  }

  /** @internal (InputOwner) A frame's turn has come: transport-level checks, then decode and act on it. */
  take(data: Input): void | Promise<void> {
    if (this.state === 'closed') return;
    if (typeof data === 'function') return data();
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
    const limits = this.runtime.limits;
    if (nestsDeeperThan(text, limits.maxDepth)) {
      // Too deep to parse: a call or subscribe is answered by its id, anything else closes.
      const id = this.state === 'open' ? peekRequestId(text) : undefined;
      if (id === undefined) return this.close(CloseCode.BAD_MESSAGE, 'frame nested too deeply');
      return this.send(errorFrame(id, 'PAYLOAD_TOO_LARGE', `Nested deeper than ${limits.maxDepth} levels`, null, this.codec));
    }
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
      if (msg.type === MessageType.CALL && this.state === 'open' && !this.runtime.draining) return this.claim(msg);
      // A promise when the frame waits for the session store or for the welcome: the next frames wait too.
      if (this.claimsWaiting) return this.afterClaims(msg);
      return this.dispatch(msg);
    } catch (err) {
      return this.failed('handling a frame failed', err);
    }
  }

  /**
   * A call: claimed now, acted on after the calls read before it. The frames behind it wait only once
   * `maxInFlight` calls wait for their claims, or when its id is one of theirs (it is handled after them).
   */
  private claim(msg: CallMessage): void | Promise<void> {
    const waiting = this.claimsWaiting;
    if (waiting && this.claims!.holds(msg.id)) return this.afterClaims(msg);
    const session = this.session!;
    const claim = claimFor(this, session, msg);
    if (!waiting && !isPromise(claim)) return actOnClaim(this, session, msg, claim);
    const q = (this.claims ??= new ClaimQueue(this, (err) => this.failed('handling a call failed', err)));
    q.push(session, msg, claim);
    if (q.size >= this.runtime.limits.maxInFlight) return q.drained();
  }

  /** A frame read behind calls still waiting for their claims: it acts once they are handled. */
  private afterClaims(msg: ClientMessage): Promise<void> {
    return this.claims!.drained().then(() => (this.state === 'closed' ? undefined : this.dispatch(msg)));
  }

  /** Pause or resume reading for one reason (see PAUSED_FOR_*); the transport resumes when none is left. */
  private pauseFor(reason: number, on: boolean): void {
    if (!this.socket.pause || !this.socket.resume) return;
    const before = this.paused;
    this.paused = on ? before | reason : before & ~reason;
    if (before === 0 && this.paused !== 0) this.socket.pause();
    else if (before !== 0 && this.paused === 0 && this.state !== 'closed') this.socket.resume();
  }

  /** @internal (InputOwner) More than a slice of frames waits (true), or the backlog was worked off. */
  pauseInput(paused: boolean): void {
    this.pauseFor(PAUSED_FOR_INPUT, paused);
  }

  /**
   * Apply the message rate limit to one frame. Over the rate, reading from the connection pauses until the
   * bucket refills; only a connection that overdraws it by a further burst (or cannot be paused) is closed.
   */
  private withinRate(): boolean {
    const verdict = this.rate.take();
    if (verdict === 'ok') return true;
    if (verdict === 'over' || !this.socket.pause || !this.socket.resume) return false;
    if ((this.paused & PAUSED_FOR_RATE) === 0) {
      this.pauseFor(PAUSED_FOR_RATE, true);
      setTimeout(resumeAfterRate, this.rate.refillMs, this).unref?.();
    }
    return true;
  }

  /** @internal The rate's pause is over. */
  rateRefilled(): void {
    this.pauseFor(PAUSED_FOR_RATE, false);
  }

  closed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.teardown();
  }

  private teardown(): void {
    this.expiryTimer?.clear();
    leaveAll(this);
    if (this.session) this.runtime.sessions.detach(this.session, this);
    // A closed connection may stay referenced for a while (its socket, its hello deadline); its session must not.
    this.session = undefined;
    this.runtime.forget(this);
  }

  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.runtime.refusals.closed(code, reason, this.handshake);
    this.socket.close(code, closeReason(reason));
    this.teardown();
  }

  /** Another connection resumed our session. */
  replaced(): void {
    this.session = undefined;
    this.close(CloseCode.SESSION_REPLACED, 'session resumed by another connection');
  }

  /** Our session was revoked: it ends without us. */
  revoked(reason: string): void {
    this.session = undefined;
    this.close(CloseCode.UNAUTHORIZED, reason);
  }

  /** The server drains: the client reconnects at once, to another process, and resumes there. */
  drained(): void {
    this.close(CloseCode.SERVICE_RESTART, 'service restart: reconnect');
  }

  /** A bug on the server's side: log it and close this connection only. */
  failed(what: string, err: unknown): void {
    this.runtime.logger.error(what, { error: err });
    this.close(CloseCode.INTERNAL_ERROR, 'internal error');
  }

  send(frame: string | Uint8Array): void {
    if (this.state === 'closed') return;
    this.socket.send(frame);
    if (this.socket.bufferedAmount > this.runtime.limits.maxBufferedBytes) this.overflow();
  }

  // ---- TopicMember -------------------------------------------------------------------------------------

  deliver(_topic: LocalTopic, _offset: number, frame: Uint8Array): void {
    this.send(frame);
  }

  get buffered(): number {
    return this.socket.bufferedAmount;
  }

  get bufferLimit(): number {
    return this.runtime.limits.maxBufferedBytes;
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

  private dispatch(msg: ClientMessage): void | Promise<void> {
    if (this.state === 'hello') {
      if (msg.type !== MessageType.HELLO) return this.close(CloseCode.BAD_MESSAGE, 'the first message must be hello');
      return hello(this, msg);
    }
    switch (msg.type) {
      case MessageType.HELLO:
        return this.close(CloseCode.TOO_MANY_HELLOS, 'hello was already received');
      case MessageType.CALL:
        // Draining with a store other processes cannot resume from: the calls running here finish on this
        // connection, and no new one starts (see drain.ts).
        if (this.runtime.draining) return this.send(errorFrame(msg.id, 'UNAVAILABLE', 'The server is restarting', null, this.codec));
        return this.claim(msg);
      case MessageType.SUBSCRIBE:
        return subscribe(this, msg);
      case MessageType.UNSUBSCRIBE:
        return unsubscribe(this, msg.id);
      case MessageType.CANCEL:
        return cancelCall(this, msg.id);
      case MessageType.ACK: {
        const sessions = this.runtime.sessions;
        return sessions.quietly('confirm', sessions.store.confirm(this.session!.id, msg.callWatermark, msg.calls));
      }
      case MessageType.PING:
        return this.send(encodeServerMessage({ type: MessageType.PONG }, this.codec));
      case MessageType.PONG:
        return;
      case MessageType.AUTHENTICATE:
        return reauthenticate(this, msg);
    }
  }
}

function resumeAfterRate(conn: ServerConnection): void {
  conn.rateRefilled();
}
