/**
 * The client's connection: opens the socket, says hello, resumes the session, watches for a dead server and
 * reconnects with backoff. It knows nothing of calls or subscriptions: it hands decoded frames to its owner
 * (connection-owner.ts), and asks it whether anything is waiting, so that an idle client waiting to
 * reconnect does not keep a Node process alive. Its parts: why an attempt ended and whether that is fatal
 * (refusal.ts), the close event and giving up (attempt-end.ts), the next attempt's timer and the network
 * signals that bring it forward (next-attempt.ts), the dead-peer clock (heartbeat.ts), the hello's params
 * (hello-params.ts), a request's encoding and size check (outgoing-frame.ts).
 */
import {
  AckwireError,
  CloseCode,
  DEFAULT_SUBPROTOCOLS,
  MessageType,
  NEGOTIATION_TOKEN,
  PROTOCOL_VERSION,
  HELLO_ID,
  ProtocolViolation,
  codecForSubprotocol,
  decodeServerMessage,
  encodeClientMessage,
  type ClientMessage,
  type Codec,
  type ServerMessage,
  type WelcomeMessage,
} from '@ackwire/core';
import { DEFAULT_HEARTBEAT, DEFAULT_RECONNECT, type ClientOptions, type ReconnectOptions, type WebSocketLike } from './options.js';
import type { ConnectionOwner } from './connection-owner.js';
import type { HandshakeRefusal } from './http-refusal.js';
import { endOfAttempt } from './attempt-end.js';
import { browserNetwork } from './network.js';
import { NextAttempt } from './next-attempt.js';
import { classify, type Failure, type SocketFailure } from './refusal.js';
import { Heartbeat, type HeartbeatTarget } from './heartbeat.js';
import { HelloParams } from './hello-params.js';
import { encodeRequest } from './outgoing-frame.js';
import type { Corker, SocketBinding, SocketSink } from './socket-events.js';
import type { CloseInfo, ConnectionInfo, ConnectionState } from './types.js';

export type { ConnectionOwner } from './connection-owner.js';

const NO_CORK: Corker = { cork() {} };

/** Requests a client writes before the welcome: few enough for any sensible in-flight limit (the server tells it
 * only in the welcome) and the reference server's 64 early frames. */
const EARLY_FRAMES = 8;

/** The tokens offered by default, shared by every client that does not choose its own. */
const DEFAULT_OFFER: readonly string[] = Object.freeze([...DEFAULT_SUBPROTOCOLS, NEGOTIATION_TOKEN]);

export class Connection implements SocketSink, HeartbeatTarget {
  state: ConnectionState = 'connecting';
  sessionId: string | undefined;
  #resumeToken: string | undefined;
  #ws: WebSocket | undefined;
  #codec: Codec | undefined;
  #attempt = 0;
  readonly #next: NextAttempt;
  /** Refusals for load (429, 503, or told in band: 4420, 1013) in a row. */
  #refusals = 0;
  #lastClose: CloseInfo | undefined;
  #stoppedWith: AckwireError | undefined;
  #snapshot: ConnectionInfo | undefined;
  readonly #heartbeat: Heartbeat;
  #welcomed = false;
  /** What the current attempt's socket reported before closing: a refused upgrade, a socket error. */
  #refusal: Failure | undefined;
  #socketFailure: SocketFailure | undefined;
  #corker: Corker = NO_CORK;
  /** The server's ERROR answering the hello (invalid params), which comes right before its 4400 close. */
  #helloRefusal: AckwireError | undefined;
  /** Requests may be written before the welcome (see socketOpened), `earlyFrames` of them so far. */
  #pipelining = false;
  #earlyFrames = 0;
  /** The server's frame size limit from its welcome; 0 for none. */
  #maxPayload = 0;
  readonly #reconnect: Readonly<ReconnectOptions>;
  readonly #offered: readonly string[];
  readonly #WebSocketImpl: WebSocketLike;
  /** The hellos' params (`$authenticate` replaces them). */
  readonly params: HelloParams;
  /** Params for the hello of the socket being opened. */
  #helloParams: unknown;

  readonly #options: ClientOptions;
  readonly #fingerprint: string;
  readonly #owner: ConnectionOwner;
  readonly #sockets: SocketBinding;
  constructor(
    options: ClientOptions,
    fingerprint: string,
    owner: ConnectionOwner,
    defaultWebSocket: WebSocketLike | undefined,
    sockets: SocketBinding,
  ) {
    this.#options = options;
    this.#fingerprint = fingerprint;
    this.#owner = owner;
    this.#sockets = sockets;
    this.#reconnect = options.reconnect ? { ...DEFAULT_RECONNECT, ...options.reconnect } : DEFAULT_RECONNECT;
    this.sessionId = options.session?.id;
    this.#resumeToken = options.session?.token;
    this.#heartbeat = new Heartbeat(options.heartbeat ? { ...DEFAULT_HEARTBEAT, ...options.heartbeat } : DEFAULT_HEARTBEAT);
    this.#offered = options.subprotocols ? [...options.subprotocols, NEGOTIATION_TOKEN] : DEFAULT_OFFER;
    const impl = options.WebSocket ?? defaultWebSocket ?? (globalThis as { WebSocket?: WebSocketLike }).WebSocket;
    if (!impl) throw new TypeError('Ackwire client: no WebSocket implementation; pass one as options.WebSocket');
    this.#WebSocketImpl = impl;
    this.params = new HelloParams(options.params);
    const network = options.network === false ? undefined : (options.network ?? browserNetwork());
    this.#next = new NextAttempt(network, () => this.#open(), () => this.#changed());
  }

  /** The state, the last close and the next attempt; a new object only when one of them changed. */
  get info(): ConnectionInfo {
    return (this.#snapshot ??= Object.freeze({
      state: this.state,
      lastClose: this.#lastClose,
      retryAt: this.#next.at,
      waitingForNetwork: this.#next.waitingForNetwork,
      attempt: this.#attempt,
      error: this.#stoppedWith,
    }));
  }

  /**
   * Try again now instead of waiting out the backoff (after a little jitter): for `$reconnect()`, and, unless
   * the server asked for less load, when the network comes back or the page becomes visible. False when
   * there is nothing to bring forward (open, an attempt under way, or closed for good).
   */
  reconnectNow(why: 'now' | 'online' | 'visible' = 'now'): boolean {
    if (this.state === 'open' || this.state === 'closed' || this.#ws) return false;
    if (!this.#next.pending) return false; // the next hello's params are being read
    if (why !== 'now' && this.#next.timed && this.#refusals > 0) return false;
    this.#next.schedule(Math.floor(Math.random() * this.#reconnect.wakeJitterMs));
    this.idle();
    return true;
  }

  #changed(): void {
    this.#snapshot = undefined;
    this.#owner.changed();
  }

  /** Whether a request may be written now: the connection is open, or it is still waiting for the welcome of
   * a new session and has room for early frames. */
  get writable(): boolean {
    return this.isOpen || (this.#pipelining && this.#earlyFrames < EARLY_FRAMES);
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** The session to resume, for callers that persist it. */
  get session(): { id: string; token: string } | undefined {
    return this.sessionId && this.#resumeToken ? { id: this.sessionId, token: this.#resumeToken } : undefined;
  }

  start(): void {
    if (this.#ws || this.state === 'closed') return;
    this.#next.watch((why) => (why === 'offline' ? this.#drop(1006, 'the browser is offline') : this.reconnectNow(why)));
    this.#open();
  }

  /**
   * Write a frame if the connection is open; false if it is not. Throws BAD_REQUEST if the payload cannot be
   * written with the negotiated codec (a BigInt under ackwire.v1.json, say): that concerns the one message.
   */
  send(msg: ClientMessage, early = false): boolean {
    if (!this.#ws || !this.#codec) return false;
    if (!this.isOpen) {
      // Before the welcome only requests (`early`) may go, on a connection that starts a session, and only a few.
      if (!early || !this.#pipelining || this.#earlyFrames >= EARLY_FRAMES) return false;
      this.#earlyFrames++;
    }
    const text = encodeRequest(msg, this.#codec, this.#maxPayload);
    this.#corker.cork();
    this.#ws.send(text);
    this.#heartbeat.wrote();
    return true;
  }

  /** Close for good. */
  close(): void {
    if (this.state === 'closed') return;
    this.#stopTimers();
    this.#next.stop();
    const ws = this.#ws;
    this.#ws = undefined;
    this.#stoppedWith = new AckwireError('CONNECTION_CLOSED', 'The client was closed');
    this.#lastClose = { code: CloseCode.NORMAL, reason: 'client closed', willRetry: false, retryInMs: undefined, status: undefined, socketError: undefined, kind: 'client-closed' };
    this.#setState('closed');
    if (ws) ws.close(CloseCode.NORMAL, 'client closed');
    this.#owner.down(this.#stoppedWith);
  }

  /** Drop the current socket and reconnect (used when the server seems dead). */
  #drop(code: number, reason: string): void {
    const ws = this.#ws;
    if (!ws) return;
    this.#detach(ws);
    try {
      ws.close(CloseCode.NORMAL, reason);
    } catch {
      // already closing
    }
    this.#lost(code, reason);
  }

  #setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.#owner.state(state);
    this.#changed();
  }

  /** Open a socket: at once, or once a `params` function has given the hello's params. */
  #open(): void {
    // No attempt is burnt while the browser knows it is offline: `online` wakes the connection.
    if (this.#next.offline()) return;
    this.params.read((params) => this.#connect(params));
  }

  #connect(params: unknown): void {
    if (this.state === 'closed') return;
    this.#welcomed = false;
    this.#refusal = undefined;
    this.#socketFailure = undefined;
    this.#helloRefusal = undefined;
    this.#helloParams = params;
    let ws: WebSocket;
    try {
      ws = new this.#WebSocketImpl(this.#options.url, this.#offered as string[]);
    } catch (err) {
      this.#stoppedWith = new AckwireError('CONNECTION_CLOSED', `Cannot open ${this.#options.url}: ${(err as Error).message}`);
      this.#next.stop();
      this.#setState('closed');
      this.#owner.down(this.#stoppedWith);
      return;
    }
    this.#ws = ws;
    this.#codec = undefined;
    this.#sockets.listen(ws, this);
    // Nothing waits for this connection yet: opening it does not keep a Node process alive either.
    if (!this.#owner.busy()) this.#sockets.hold?.(ws, false);
    // The dead-peer clock runs from here: an opening handshake that never completes (a black-holed route,
    // a proxy that accepts and forwards nothing) is dropped after idleMs + timeoutMs and retried.
    this.#heartbeat.start(this);
  }

  // ---- the socket's events (SocketSink) ----------------------------------------------------------------

  /** @internal */
  socketOpened(ws: WebSocket): void {
    if (ws !== this.#ws) return;
    // In Node (`ws`), frames written in one tick share one system call; browsers have no such hook.
    this.#corker = this.#sockets.corker?.(ws) ?? NO_CORK;
    this.#codec = codecForSubprotocol(ws.protocol);
    if (!this.#codec) return; // negotiation token: the server closes with 4406 and says why
    this.#heartbeat.seen();
    const params = this.#helloParams;
    this.#helloParams = undefined;
    this.#send0(ws, {
      type: MessageType.HELLO,
      version: PROTOCOL_VERSION,
      fingerprint: this.#fingerprint,
      params: params ?? null,
      resume: this.sessionId && this.#resumeToken ? { sessionId: this.sessionId, token: this.#resumeToken } : null,
    });
    // A connection that starts a new session has nothing to resume, so its first calls can follow the hello
    // at once instead of waiting a round trip for the welcome (the server holds them until then).
    if (!this.sessionId) {
      this.#pipelining = true;
      this.#earlyFrames = 0;
      this.#owner.writable();
    }
  }

  /** @internal */
  socketMessage(ws: WebSocket, data: unknown): void {
    if (ws !== this.#ws) return;
    this.#heartbeat.seen();
    this.#receive(ws, data);
  }

  /** @internal */
  socketError(ws: WebSocket, failure: SocketFailure): void {
    if (ws === this.#ws && !this.#socketFailure) this.#socketFailure = failure;
  }

  /** @internal */
  socketRefused(ws: WebSocket, refusal: HandshakeRefusal): void {
    if (ws === this.#ws) this.#refusal = this.#sockets.refused?.(refusal, this.#options.url, this.#offered);
  }

  /** @internal */
  socketClosed(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.#ws) return;
    this.#detach(ws);
    this.#lost(code, reason);
  }

  /** Write a control frame (hello, ping, pong), coalesced with the other frames of this tick. */
  #send0(ws: WebSocket, msg: ClientMessage): void {
    this.#corker.cork();
    ws.send(encodeClientMessage(msg, this.#codec!));
  }

  /** Ping to prove that what was written so far was read; its pong is the proof. */
  #probe(ws: WebSocket): void {
    this.#heartbeat.probed();
    this.#send0(ws, { type: MessageType.PING });
  }

  #receive(ws: WebSocket, data: unknown): void {
    if (typeof data !== 'string') return this.#drop(CloseCode.BAD_MESSAGE, 'binary frame from server');
    let msg: ServerMessage;
    try {
      msg = decodeServerMessage(data, this.#codec!);
    } catch (err) {
      const reason = err instanceof ProtocolViolation ? err.message : 'undecodable frame';
      return this.#drop(CloseCode.BAD_MESSAGE, reason);
    }
    switch (msg.type) {
      case MessageType.WELCOME:
        this.#welcomed = true;
        this.#pipelining = false;
        this.#maxPayload = msg.limits.maxPayload;
        this.sessionId = msg.sessionId;
        this.#resumeToken = msg.resumeToken;
        this.#attempt = 0;
        this.#refusals = 0;
        this.#sockets.hold?.(ws, true); // an open connection holds the process, as any socket does
        this.#setState('open');
        this.#owner.opened(msg);
        return;
      case MessageType.PING:
        return this.#send0(ws, { type: MessageType.PONG });
      case MessageType.PONG:
        return this.#heartbeat.ponged();
      default:
        if (this.#welcomed) this.#owner.frame(msg);
        else if (msg.type === MessageType.ERROR && msg.id === HELLO_ID) {
          const data = typeof msg.data === 'object' && msg.data !== null ? msg.data : {};
          this.#helloRefusal = new AckwireError(msg.code, msg.message, { data: { ...data, closeCode: CloseCode.BAD_MESSAGE } });
        }
    }
  }

  #detach(ws: WebSocket): void {
    this.#sockets.unlisten(ws);
    if (this.#ws === ws) this.#ws = undefined;
    this.#stopTimers();
  }

  /** The socket is gone: decide between a fatal stop and a reconnect. */
  #lost(code: number, reason: string): void {
    this.#pipelining = false;
    if (this.state === 'closed') return;
    const refusal = this.#refusal, socket = this.#socketFailure, helloRefusal = this.#helloRefusal;
    this.#refusal = this.#socketFailure = this.#helloRefusal = undefined;
    const failure = classify({ code, reason, refusal, socket, helloRefusal, url: this.#options.url, offered: this.#offered });
    const end = endOfAttempt(failure, code, this.#attempt, this.#refusals, this.#reconnect);
    this.#refusals = end.refusals;
    this.#lastClose = end.info;
    this.#owner.closed(end.info);
    if ((this.state as ConnectionState) === 'closed') return; // a listener closed the client
    if (end.stop) {
      this.#stoppedWith = end.stop;
      this.#next.stop();
      this.#setState('closed');
      this.#owner.down(this.#stoppedWith);
      return;
    }
    this.#attempt++;
    this.#setState('reconnecting');
    this.#owner.down(undefined);
    if (this.state !== 'reconnecting') return; // a listener closed the client
    // Offline, no timer runs: `online` wakes the connection.
    if (!this.#next.offline()) this.#next.schedule(end.info.retryInMs!);
    this.idle();
  }

  /** Nothing waits for the connection: the wait to reconnect does not keep a Node process alive. */
  idle(): void {
    if (!this.#owner.busy()) this.#next.hold(false);
  }

  /** Something waits for the connection: the wait to reconnect, and the attempt, keep the process alive. */
  hold(): void {
    this.#next.hold(true);
    if (this.#ws) this.#sockets.hold?.(this.#ws, true);
  }

  /** @internal Called by the shared heartbeat timer (heartbeat.ts). */
  checkHeartbeat(): void {
    const ws = this.#ws;
    if (!ws) return;
    const verdict = this.#heartbeat.verdict(this.#codec !== undefined, this.#welcomed);
    if (verdict === 'probe') this.#probe(ws);
    else if (verdict) this.#drop(CloseCode.PEER_TIMEOUT, verdict);
  }

  #stopTimers(): void {
    this.#heartbeat.stop(this);
    this.#next.cancel();
  }
}
