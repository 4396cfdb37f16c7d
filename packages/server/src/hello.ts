/**
 * The hello: version and contract checks, the credentials pipeline (credentials.ts), then the session
 * (new or resumed) and the welcome. Synchronous when the params schema, `context` and the session store
 * are (the usual case), so the welcome and the answers to calls that came right behind the hello leave in
 * one write; otherwise `hello` returns a promise, and the connection's frames wait behind it (bounded by
 * `maxEarlyFrames` and `maxEarlyBytes`, see connection.ts) until the welcome is sent.
 */
import { AckwireError, CloseCode, HELLO_ID, MessageType, PROTOCOL_VERSION, encodeServerMessage, type Codec, type HelloMessage } from '@ackwire/core';
import type { ConnectionRuntime } from './connection-runtime.js';
import type { Established } from './credentials.js';
import type { CredentialExpiry } from './expiry.js';
import type { Handshake } from './handshake.js';
import { badRequestFrame } from './outcome.js';
import type { LiveSession, Opened, SessionHolder } from './session.js';
import type { WireSocket } from './socket.js';
import { isPromise } from './is-promise.js';

/** What the hello and `$authenticate` need of their connection. */
export interface CredentialHost extends SessionHolder {
  readonly runtime: ConnectionRuntime;
  readonly codec: Codec;
  readonly handshake: Handshake;
  readonly socket: WireSocket;
  readonly isOpen: boolean;
  readonly alive: boolean;
  readonly expiry: CredentialExpiry;
  readonly hasExpiry: boolean;
  state: 'hello' | 'starting' | 'open' | 'closed';
  session: LiveSession | undefined;
  ctx: unknown;
  close(code: number, reason: string): void;
  failed(what: string, err: unknown): void;
}


/** Settles once the welcome is sent or the connection refused; a promise only when something was asynchronous. */
export function hello(conn: CredentialHost, msg: HelloMessage): void | Promise<void> {
  const runtime = conn.runtime;
  if (msg.version !== PROTOCOL_VERSION) {
    return conn.close(CloseCode.VERSION_MISMATCH, `unsupported protocol version ${msg.version}; server speaks ${PROTOCOL_VERSION}`);
  }
  if (msg.fingerprint !== runtime.fingerprint) {
    return conn.close(CloseCode.CONTRACT_MISMATCH, `contract mismatch: server ${runtime.fingerprint}, client ${msg.fingerprint}`);
  }
  conn.state = 'starting';
  let established: Established | Promise<Established>;
  try {
    established = runtime.credentials.establish(conn.handshake, msg.params, () => conn.alive);
  } catch (err) {
    return helloFailed(conn, err);
  }
  if (isPromise(established)) {
    return established
      .then(
        (e) => welcome(conn, msg, e),
        (err: unknown) => helloFailed(conn, err),
      )
      .catch((err: unknown) => conn.failed('the hello failed', err));
  }
  return welcome(conn, msg, established);
}

function helloFailed(conn: CredentialHost, err: unknown): void {
  if (err instanceof AckwireError && (err.code === 'UNAUTHORIZED' || err.code === 'FORBIDDEN')) {
    return conn.close(err.code === 'UNAUTHORIZED' ? CloseCode.UNAUTHORIZED : CloseCode.FORBIDDEN, err.message);
  }
  conn.runtime.logger.error('context failed', { error: err });
  conn.close(CloseCode.INTERNAL_ERROR, 'internal error');
}

function welcome(conn: CredentialHost, msg: HelloMessage, established: Established): void | Promise<void> {
  if (!established.ok) {
    if (established.invalid && conn.alive) {
      // The issues in an ERROR answering the hello (id 0), then the close (docs/protocol.md §6, rule 6).
      conn.send(badRequestFrame(HELLO_ID, established.invalid, conn.codec, 'connection params'));
      conn.close(CloseCode.BAD_MESSAGE, 'invalid connection params');
    }
    return;
  }
  if (!conn.alive) return;
  const runtime = conn.runtime;
  const ctx = established.ctx;
  conn.ctx = ctx;
  const expiresAt = runtime.credentials.expiryOf(ctx);
  if (expiresAt !== undefined && !conn.expiry.set(expiresAt)) return conn.close(CloseCode.UNAUTHORIZED, 'credentials expired');
  const opened = runtime.sessions.open(conn, msg.resume);
  if (isPromise(opened)) {
    return opened.then(
      (o) => opening(conn, msg, ctx, o),
      (err: unknown) => conn.failed('session store: opening a session failed', err),
    );
  }
  opening(conn, msg, ctx, opened);
}

function opening(conn: CredentialHost, msg: HelloMessage, ctx: unknown, opened: Opened): void {
  if (opened === 'replaced') return conn.replaced();
  const runtime = conn.runtime;
  if (!conn.alive) {
    // Closed while the store answered: the session waits for a resume like any other.
    runtime.sessions.detach(opened, conn);
    return;
  }
  conn.session = opened;
  runtime.credentials.own(opened, ctx);
  conn.state = 'open';
  const stored = opened.stored;
  conn.send(
    encodeServerMessage(
      {
        type: MessageType.WELCOME,
        sessionId: stored.id,
        resumeToken: stored.token,
        resumed: msg.resume !== null && msg.resume.sessionId === stored.id,
        lastId: stored.lastId,
        limits: { maxInFlight: runtime.limits.maxInFlight, maxPayload: conn.socket.maxPayload ?? 0 },
      },
      conn.codec,
    ),
  );
}
