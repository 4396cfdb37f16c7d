/**
 * Sessions outlive connections. A session holds the call table that makes calls exactly-once across
 * reconnects: every call id it has seen, with its outcome frame once there is one, until the client's call
 * watermark says the outcome arrived. A detached session is kept for the retention window, then dropped.
 */
import { timingSafeEqual } from 'node:crypto';
import { randomId } from './random-id.js';

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
  /** Send a frame (a call's outcome) on this connection. */
  send(frame: string): void;
}

export class Session<Conn extends SessionHolder = SessionHolder> {
  private callTable: Map<number, CallRecord> | undefined;
  /** Call ids this session has seen, with their outcome once there is one. Made on first use: an idle
   * connection's session holds no table. */
  get calls(): Map<number, CallRecord> {
    return (this.callTable ??= new Map());
  }
  /** Calls without an outcome. */
  running = 0;
  /** Highest call or subscription id seen; sent in welcome so a resuming client never reuses an id. */
  lastId = 0;
  /** Every call id below this has its outcome at the client (from the client's ack frames). */
  callWatermark = 0;
  /** Per topic: the highest offset the client says it delivered to the application. */
  private ackedTable: Map<string, { epoch: string; offset: number }> | undefined;
  get acked(): Map<string, { epoch: string; offset: number }> {
    return (this.ackedTable ??= new Map());
  }
  connection: Conn | undefined;
  expiry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly id: string,
    readonly token: string,
    private readonly maxRetainedCalls: number,
  ) {}

  /** Forget outcomes the client has confirmed; keep the table within its bound (oldest finished first). */
  setWatermark(watermark: number): void {
    if (watermark <= this.callWatermark) return;
    this.callWatermark = watermark;
    if (!this.callTable) return;
    for (const [id, record] of this.callTable) {
      // Ids are mostly inserted in increasing order: stop at the first one the watermark does not cover.
      if (id >= watermark) break;
      if (record.frame !== undefined) this.callTable.delete(id);
    }
  }

  remember(id: number, record: CallRecord): void {
    this.calls.set(id, record);
    if (this.calls.size <= this.maxRetainedCalls) return;
    for (const [oldId, old] of this.calls) {
      if (old.frame !== undefined) {
        this.calls.delete(oldId);
        if (this.calls.size <= this.maxRetainedCalls) return;
      }
    }
  }

  /** Abort every running call (the session is gone for good). */
  abortAll(): void {
    if (!this.callTable) return;
    for (const record of this.callTable.values()) {
      if (record.timer) clearTimeout(record.timer);
      if (record.frame === undefined) record.controller?.abort(new Error('session ended'));
    }
    this.callTable.clear();
  }
}

export interface SessionStoreOptions {
  retentionMs: number;
  maxRetainedCalls: number;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class SessionStore<Conn extends SessionHolder = SessionHolder> {
  private readonly sessions = new Map<string, Session<Conn>>();

  constructor(private readonly options: SessionStoreOptions) {}

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): Session<Conn> | undefined {
    return this.sessions.get(id);
  }

  create(conn: Conn): Session<Conn> {
    const session = new Session<Conn>(randomId(12), randomId(24), this.options.maxRetainedCalls);
    session.connection = conn;
    this.sessions.set(session.id, session);
    return session;
  }

  /** The session if the token matches; it now belongs to `conn`, and its previous connection is told so. */
  resume(id: string, token: string, conn: Conn): Session<Conn> | undefined {
    const session = this.sessions.get(id);
    if (!session || !sameSecret(session.token, token)) return undefined;
    if (session.expiry) clearTimeout(session.expiry);
    session.expiry = undefined;
    const previous = session.connection;
    session.connection = conn;
    if (previous && previous !== conn) previous.replaced();
    return session;
  }

  /** The connection is gone: keep the session for the retention window. */
  detach(session: Session<Conn>, conn: Conn): void {
    if (session.connection !== conn) return;
    session.connection = undefined;
    session.expiry = setTimeout(() => this.end(session), this.options.retentionMs);
    session.expiry.unref?.();
  }

  end(session: Session<Conn>): void {
    if (session.expiry) clearTimeout(session.expiry);
    this.sessions.delete(session.id);
    session.abortAll();
  }

  endAll(): void {
    for (const session of [...this.sessions.values()]) this.end(session);
  }
}
