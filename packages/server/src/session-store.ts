/**
 * The session store: where sessions, their resume tokens and their call tables live, so that a call runs
 * at most once per session however often it is re-sent, and its outcome survives the connection that ran
 * it. The in-memory store (memory-session-store.ts) is the default; a network store (Redis, say)
 * implements this interface and passes the shared suite (`sessionStoreConformance`,
 * session-store-conformance.ts).
 *
 * Rules every store keeps:
 *
 * - **Answers may be asynchronous.** Any method may return a promise. The server keeps its guarantees
 *   either way: it handles a connection's frames in the order they were read, waiting for the store where
 *   a frame needs its answer (a call's claim, a hello's session).
 * - **Operations on one session take effect in the order they were called**, whenever their answers come
 *   (one Redis connection per process, or a per-session lock, gives this). A `complete` called before a
 *   `claim` of the same call id is seen by that claim.
 * - **Sessions.** `create` makes a session with a fresh random id (at least 96 bits) and a secret token
 *   (at least 128 bits), generation 1 and `lastId` 0. `resume(id, token)` answers the session when the id
 *   is known, not ended, and the token matches (compared in constant time), else undefined.
 * - **Ownership (fencing).** A session belongs to the connection that created or last resumed it. Every
 *   `resume` raises the session's generation by one and answers the new one. `claim` and `detach` carry
 *   the caller's generation: from an older generation (a connection that was taken over) a claim answers
 *   `fenced` and changes nothing, and a detach is ignored. `complete` is accepted from any generation: a
 *   call that ran must keep its outcome.
 * - **Claims: a call id runs at most once.** `claim(id, generation, callId)` atomically answers what the
 *   call id is and records it as running if it was unknown:
 *   `new` (unknown until now, recorded as running: run it), `running` (claimed before, no outcome yet),
 *   `finished` with the stored outcome frame, `confirmed` (below the watermark: the client has the outcome),
 *   `full` (unknown, but the session holds `maxRetainedCalls` outcomes the client has not confirmed: the
 *   call is refused and nothing is recorded; no outcome is ever dropped before the client confirms it),
 *   `fenced` (the caller's generation is not the session's), `gone` (no such session, or ended).
 *   Every claim raises `lastId` to the call id if it is higher; so does `seen` (subscription ids).
 *   `release` forgets a claim whose call was refused without running (over the in-flight limit), so that a
 *   retry can claim it again.
 * - **Outcomes.** `complete(id, callId, frame)` stores a claimed call's outcome frame. The store keeps every
 *   outcome until the client confirms it. `confirm(id, watermark, ranges?)` records that the client has
 *   every outcome below `watermark`, and those of the call ids in `ranges` (ascending, disjoint, inclusive):
 *   those outcomes are dropped (running calls stay `running`). A claim of a call id below the watermark
 *   that the table no longer holds answers `confirmed`; ranges do not change what later claims answer. A
 *   lower watermark than the current one changes nothing. An outcome completed for a call id below the
 *   watermark is not kept (the client stopped waiting for it).
 * - **Retention.** `detach(id, generation)` says the owning connection is gone: unless it is resumed within
 *   the retention window, the session ends. `resume` stops the clock.
 * - **Calls that run elsewhere** (stores shared by several processes). A claim answers `running` for a call
 *   another process runs when the client resumed its session here. A store that can tell when that call's
 *   outcome is stored implements `awaitOutcome(id, callId)`: it answers `finished` with the frame once
 *   `complete` stored it (in any process), and the server sends it to the connection holding the session;
 *   `lost` when the process running the call is gone (the call will not finish and may or may not have had
 *   its effects): the server ends the session and closes the connection, so that the client's resume fails
 *   and it settles the call with RESULT_UNKNOWN (or re-sends it if idempotent), never a silent second run;
 *   `none` when no outcome will come here (released, ended, or a bound passed). Without `awaitOutcome`, the
 *   client gets the outcome only by re-sending the call after it finished.
 * - **End.** `end(id)` ends a session for good (revoked, expired, or a server closes whose store no other
 *   process reads; a drain leaves the sessions of a shared store, one with `awaitOutcome`, resumable): later claims
 *   answer `gone` and `resume` answers undefined. `end(id, generation)` does so only if no later resume
 *   took the session.
 */
export type MaybePromise<T> = T | Promise<T>;

export interface StoredSession {
  readonly id: string;
  /** The secret a client shows to resume the session. */
  readonly token: string;
  /** Raised by every resume; see "Ownership" above. */
  readonly generation: number;
  /** Highest call or subscription id the session has seen (sent in welcome, so ids are never reused). */
  readonly lastId: number;
}

/** What `awaitOutcome` answers for a call another process runs. */
export type ElsewhereOutcome =
  | { readonly state: 'finished'; readonly frame: string }
  | { readonly state: 'lost' }
  | { readonly state: 'none' };

export type Claim =
  | { readonly state: 'new' }
  | { readonly state: 'running' }
  | { readonly state: 'finished'; readonly frame: string }
  | { readonly state: 'confirmed' }
  | { readonly state: 'full' }
  | { readonly state: 'fenced' }
  | { readonly state: 'gone' };

export interface SessionStore {
  create(): MaybePromise<StoredSession>;
  resume(id: string, token: string): MaybePromise<StoredSession | undefined>;
  claim(id: string, generation: number, callId: number): MaybePromise<Claim>;
  release(id: string, callId: number): MaybePromise<void>;
  complete(id: string, callId: number, frame: string): MaybePromise<void>;
  seen(id: string, requestId: number): MaybePromise<void>;
  confirm(id: string, watermark: number, ranges?: ReadonlyArray<readonly [number, number]>): MaybePromise<void>;
  detach(id: string, generation: number): MaybePromise<void>;
  end(id: string, generation?: number): MaybePromise<void>;
  /** See "Calls that run elsewhere" above; optional. */
  awaitOutcome?(id: string, callId: number): Promise<ElsewhereOutcome>;
  /** Release what the store holds (timers, connections). */
  close?(): MaybePromise<void>;
}

/** Answers of the in-memory store are shared constants: a claim allocates nothing. */
export const CLAIM_NEW: Claim = Object.freeze({ state: 'new' });
export const CLAIM_RUNNING: Claim = Object.freeze({ state: 'running' });
export const CLAIM_CONFIRMED: Claim = Object.freeze({ state: 'confirmed' });
export const CLAIM_FULL: Claim = Object.freeze({ state: 'full' });
export const CLAIM_FENCED: Claim = Object.freeze({ state: 'fenced' });
export const CLAIM_GONE: Claim = Object.freeze({ state: 'gone' });
