/**
 * Sessions as this process holds them. The durable part (tokens, the call table with its stored outcomes,
 * the watermark, retention) is in the session store (session-store.ts); a LiveSession is what cannot leave
 * the process: the connection that owns the session here, and the calls running here with their deadlines
 * and abort controllers.
 */
import { DetachedSessions } from './detached-sessions.js';
import type { Handshake } from './handshake.js';
import type { Logger } from './options.js';
import type { MaybePromise, SessionStore, StoredSession } from './session-store.js';
import { IdleSignal } from './idle-signal.js';
import { isPromise } from './is-promise.js';

/** A call running in this process. */
export interface CallRecord {
  /** The encoded result or error frame, once the call has an outcome. */
  frame: string | undefined;
  /** Created on first use (the handler reads `signal`, or a cancel/timeout arrives). */
  controller: AbortController | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** The connection a session belongs to. */
export interface SessionHolder {
  /** Close this connection because another one resumed its session. */
  replaced(): void;
  /** Close this connection because its session was revoked (see revocation.ts). */
  revoked(reason: string): void;
  /** Close this connection with 1012 because the server drains (drain.ts). */
  drained(): void;
  /** Send a frame (a call's outcome) on this connection. */
  send(frame: string): void;
  /** The upgrade request it came with (its client address counts the session while it waits). */
  readonly handshake: Handshake;
}

/** Bounds on the sessions waiting to be resumed here (see detached-sessions.ts). */
export interface DetachedLimits {
  readonly perAddress: number;
  readonly total: number;
  /** The client address a connection is counted under. */
  addressOf(handshake: Handshake): string;
}


export class LiveSession {
  /** Calls running here, by id. Made on first use: an idle connection's session holds no table. */
  private runningTable: Map<number, CallRecord> | undefined;
  get running(): Map<number, CallRecord> {
    return (this.runningTable ??= new Map());
  }
  connection: SessionHolder | undefined;
  retention: ReturnType<typeof setTimeout> | undefined;

  constructor(
    /** The store's answer to the create or resume that brought the session here. */
    public stored: StoredSession,
    /** Generation under which this process owns the session. */
    public generation: number,
  ) {}

  get id(): string {
    return this.stored.id;
  }

  /** Calls of this session run here now. */
  get busy(): boolean {
    return (this.runningTable?.size ?? 0) > 0;
  }

  /** Abort every running call (the session is gone for good). */
  abortAll(): void {
    if (!this.runningTable) return;
    for (const record of this.runningTable.values()) {
      if (record.timer) clearTimeout(record.timer);
      // Made here if the handler has not read `signal` yet: it may read it after an await.
      if (record.frame === undefined) (record.controller ??= new AbortController()).abort(new Error('session ended'));
    }
    this.runningTable.clear();
  }
}

/** What opening a session for a hello gives: the session, or `replaced` when a later resume won. */
export type Opened = LiveSession | 'replaced';

export class SessionRegistry {
  private readonly live = new Map<string, LiveSession>();
  /** Told when a session ends here (expired, revoked, or the server closes), so indexes let go of it. */
  onEnd: ((session: LiveSession) => void) | undefined;
  /** Sessions whose connection is gone, oldest first; past the limits the oldest ends early. */
  private readonly detached: DetachedSessions<LiveSession>;
  /** Store operations nobody waits for and not settled yet (a drain waits for them before the store closes). */
  private unsettled = 0;
  /** Settled once `unsettled` is 0. */
  private readonly idle = new IdleSignal();
  /** Per kind of operation, what logs its failure: one function each, not one per operation. */
  private readonly failures = new Map<string, (err: unknown) => void>();
  private readonly oneSettled = (): void => {
    if (--this.unsettled === 0) this.idle.settle();
  };
  /** Told when the last running call of a session finished (set while the server drains). */
  onIdle: ((session: LiveSession) => void) | undefined;

  constructor(
    readonly store: SessionStore,
    private readonly retentionMs: number,
    private readonly logger: Logger,
    private readonly limits: DetachedLimits,
  ) {
    this.detached = new DetachedSessions(limits.perAddress, limits.total, (session) => this.end(session, session.generation));
  }

  /** Sessions waiting to be resumed here. */
  get detachedCount(): number {
    return this.detached.size;
  }

  /** Sessions held here, detached ones included, until they end. */
  get size(): number {
    return this.live.size;
  }

  get(id: string): LiveSession | undefined {
    return this.live.get(id);
  }

  /** The session for a hello: the one named by `resume` if the store lets it be resumed, else a new one. */
  open(conn: SessionHolder, resume: { sessionId: string; token: string } | null): MaybePromise<Opened> {
    if (!resume) return this.created(conn, this.store.create());
    const resumed = this.store.resume(resume.sessionId, resume.token);
    return isPromise(resumed) ? resumed.then((r) => this.afterResume(conn, r)) : this.afterResume(conn, resumed);
  }

  private afterResume(conn: SessionHolder, stored: StoredSession | undefined): MaybePromise<Opened> {
    return stored ? this.take(conn, stored) : this.created(conn, this.store.create());
  }

  private created(conn: SessionHolder, stored: MaybePromise<StoredSession>): MaybePromise<Opened> {
    if (isPromise(stored)) return stored.then((s) => this.created(conn, s));
    const session = new LiveSession(stored, stored.generation);
    session.connection = conn;
    this.live.set(stored.id, session);
    return session;
  }

  /** `conn` resumed the session: it owns it now, and its previous connection is told so. */
  private take(conn: SessionHolder, stored: StoredSession): Opened {
    let session = this.live.get(stored.id);
    if (session && session.generation > stored.generation) return 'replaced'; // a later resume answered first
    if (!session) this.live.set(stored.id, (session = new LiveSession(stored, stored.generation)));
    session.stored = stored;
    session.generation = stored.generation;
    if (session.retention) clearTimeout(session.retention);
    session.retention = undefined;
    this.detached.delete(session);
    const previous = session.connection;
    session.connection = conn;
    if (previous && previous !== conn) previous.replaced();
    return session;
  }

  /** The connection is gone: keep the session for the retention window. */
  detach(session: LiveSession, conn: SessionHolder): void {
    if (session.connection !== conn) return;
    session.connection = undefined;
    this.quietly('detach', this.store.detach(session.id, session.generation));
    const generation = session.generation;
    session.retention = setTimeout(() => {
      if (!session.connection && session.generation === generation) this.end(session, generation);
    }, this.retentionMs);
    session.retention.unref?.();
    this.detached.add(session, this.limits.addressOf(conn.handshake));
  }

  /** End a session here and in the store (with `generation`: unless a later resume took it). */
  end(session: LiveSession, generation?: number): void {
    if (session.retention) clearTimeout(session.retention);
    session.retention = undefined;
    if (this.live.get(session.id) === session) this.live.delete(session.id);
    this.detached.delete(session);
    session.abortAll();
    this.onEnd?.(session);
    this.quietly('end', this.store.end(session.id, generation));
  }

  endAll(): void {
    for (const session of [...this.live.values()]) this.end(session);
  }

  /**
   * Let go of every session here without ending it in the store (a drain): it stays resumable by the
   * client in another process. Calls still running are aborted.
   */
  releaseAll(): void {
    for (const session of [...this.live.values()]) {
      if (session.retention) clearTimeout(session.retention);
      session.retention = undefined;
      this.live.delete(session.id);
      session.abortAll();
    }
  }

  /** Some session held here has a call running. */
  get busy(): boolean {
    for (const session of this.live.values()) if (session.busy) return true;
    return false;
  }

  /** A call of `session` finished (calls.ts). */
  finished(session: LiveSession): void {
    if (this.onIdle && !session.busy) this.onIdle(session);
  }

  /** Every store operation started so far (and every one started meanwhile) has settled. */
  settled(): Promise<void> {
    if (this.unsettled === 0) return Promise.resolve();
    return this.idle.wait();
  }

  /** Run a store operation whose answer nobody waits for; a failure is logged. One promise per operation. */
  quietly(what: string, done: MaybePromise<void>): void {
    if (!isPromise(done)) return;
    this.unsettled++;
    done.then(this.oneSettled, this.failureOf(what));
  }

  private failureOf(what: string): (err: unknown) => void {
    let failed = this.failures.get(what);
    if (!failed) {
      failed = (err: unknown): void => {
        try {
          this.logger.error(`session store: ${what} failed`, { error: err });
        } finally {
          this.oneSettled();
        }
      };
      this.failures.set(what, failed);
    }
    return failed;
  }
}
