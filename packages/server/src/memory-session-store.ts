/**
 * The default session store: one process, everything in memory, every answer synchronous. Follows the
 * rules in session-store.ts; the shared suite (testing/session-store-suite.ts) checks it.
 */
import { timingSafeEqual } from 'node:crypto';
import { randomId } from './random-id.js';
import {
  CLAIM_CONFIRMED,
  CLAIM_FENCED,
  CLAIM_FULL,
  CLAIM_GONE,
  CLAIM_NEW,
  CLAIM_RUNNING,
  type Claim,
  type SessionStore,
  type StoredSession,
} from './session-store.js';

export interface MemorySessionStoreOptions {
  /** How long a detached session stays resumable, in ms. Default 120,000. */
  retentionMs?: number;
  /** Outcomes kept per session until the client confirms them; at the bound, new calls are refused. Default 1,024. */
  maxRetainedCalls?: number;
}

/** A session as this store keeps it; also its answer to `create` and `resume` (no copy is made). */
class MemorySession implements StoredSession {
  generation = 1;
  lastId = 0;
  watermark = 0;
  /** Call id to its outcome frame; `undefined` while it runs. Made on first use. */
  calls: Map<number, string | undefined> | undefined;
  /** Calls in `calls` that have an outcome. */
  finished = 0;
  expiry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly id: string,
    readonly token: string,
  ) {}
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, MemorySession>();
  private readonly retentionMs: number;
  private readonly maxRetainedCalls: number;

  constructor(options: MemorySessionStoreOptions = {}) {
    this.retentionMs = options.retentionMs ?? 120_000;
    this.maxRetainedCalls = options.maxRetainedCalls ?? 1024;
  }

  /** Sessions not ended. */
  get size(): number {
    return this.sessions.size;
  }

  /** The call ids a session holds (running or with a stored outcome), oldest first; for tests. */
  callIds(id: string): number[] {
    return [...(this.sessions.get(id)?.calls?.keys() ?? [])];
  }

  /** The stored outcome frame of a call, if it has one; for tests. */
  outcome(id: string, callId: number): string | undefined {
    return this.sessions.get(id)?.calls?.get(callId);
  }

  create(): StoredSession {
    const session = new MemorySession(randomId(12), randomId(24));
    this.sessions.set(session.id, session);
    return session;
  }

  resume(id: string, token: string): StoredSession | undefined {
    const session = this.sessions.get(id);
    if (!session || !sameSecret(session.token, token)) return undefined;
    if (session.expiry) clearTimeout(session.expiry);
    session.expiry = undefined;
    session.generation++;
    return session;
  }

  claim(id: string, generation: number, callId: number): Claim {
    const session = this.sessions.get(id);
    if (!session) return CLAIM_GONE;
    if (generation !== session.generation) return CLAIM_FENCED;
    if (callId > session.lastId) session.lastId = callId;
    const calls = (session.calls ??= new Map());
    if (calls.has(callId)) {
      const frame = calls.get(callId);
      return frame === undefined ? CLAIM_RUNNING : { state: 'finished', frame };
    }
    if (callId < session.watermark) return CLAIM_CONFIRMED;
    // Never drop an outcome the client has not confirmed: refuse new calls instead, loudly.
    if (session.finished >= this.maxRetainedCalls) return CLAIM_FULL;
    calls.set(callId, undefined);
    return CLAIM_NEW;
  }

  release(id: string, callId: number): void {
    const calls = this.sessions.get(id)?.calls;
    if (calls?.has(callId) && calls.get(callId) === undefined) calls.delete(callId);
  }

  complete(id: string, callId: number, frame: string): void {
    const session = this.sessions.get(id);
    const calls = session?.calls;
    if (!session || !calls?.has(callId) || calls.get(callId) !== undefined) return;
    if (callId < session.watermark) calls.delete(callId); // the client stopped waiting for it
    else {
      calls.set(callId, frame);
      session.finished++;
    }
  }

  seen(id: string, requestId: number): void {
    const session = this.sessions.get(id);
    if (session && requestId > session.lastId) session.lastId = requestId;
  }

  confirm(id: string, watermark: number, ranges?: ReadonlyArray<readonly [number, number]>): void {
    const session = this.sessions.get(id);
    if (!session) return;
    const calls = session.calls;
    if (watermark > session.watermark) {
      session.watermark = watermark;
      if (calls) {
        for (const [callId, frame] of calls) {
          // Ids are mostly inserted in increasing order: stop at the first one the watermark does not cover.
          if (callId >= watermark) break;
          if (frame !== undefined) this.forget(session, calls, callId);
        }
      }
    }
    if (ranges && calls && session.finished > 0) this.confirmRanges(session, calls, ranges);
  }

  /** Forget the outcomes of the call ids in `ranges`; costs at most the smaller of their length and the table. */
  private confirmRanges(session: MemorySession, calls: Map<number, string | undefined>, ranges: ReadonlyArray<readonly [number, number]>): void {
    let span = 0;
    for (const [first, last] of ranges) span += last - first + 1;
    if (span <= calls.size) {
      for (const [first, last] of ranges) for (let callId = first; callId <= last; callId++) if (calls.get(callId) !== undefined) this.forget(session, calls, callId);
      return;
    }
    let r = 0;
    for (const [callId, frame] of calls) {
      if (frame === undefined) continue;
      while (r > 0 && ranges[r - 1]![0] > callId) r--; // ids are mostly, not strictly, in increasing order
      while (r < ranges.length && ranges[r]![1] < callId) r++;
      if (r < ranges.length && ranges[r]![0] <= callId) this.forget(session, calls, callId);
    }
  }

  private forget(session: MemorySession, calls: Map<number, string | undefined>, callId: number): void {
    calls.delete(callId);
    session.finished--;
  }

  detach(id: string, generation: number): void {
    const session = this.sessions.get(id);
    if (!session || session.generation !== generation) return;
    if (session.expiry) clearTimeout(session.expiry);
    session.expiry = setTimeout(() => this.end(id, generation), this.retentionMs);
    session.expiry.unref?.();
  }

  end(id: string, generation?: number): void {
    const session = this.sessions.get(id);
    if (!session || (generation !== undefined && generation !== session.generation)) return;
    if (session.expiry) clearTimeout(session.expiry);
    this.sessions.delete(id);
  }

  close(): void {
    for (const id of [...this.sessions.keys()]) this.end(id);
  }
}
