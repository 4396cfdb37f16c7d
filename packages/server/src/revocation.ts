/**
 * Revocation: every live session with the context it was last authenticated with, so that
 * `server.revoke(predicate)` can close a user's connections and end their sessions, including sessions
 * waiting to be resumed after a disconnect.
 */
import type { LiveSession, SessionRegistry } from './session.js';

export interface RevokeInfo {
  readonly sessionId: string;
}

export class SessionOwners {
  private readonly owners = new Map<LiveSession, unknown>();

  constructor(private readonly sessions: SessionRegistry) {
    // An ended session leaves the index at once: an idle server gives its memory back.
    sessions.onEnd = (session) => this.owners.delete(session);
  }

  /** Sessions in the index. */
  get size(): number {
    return this.owners.size;
  }

  /** Record (or replace) the context a session's credentials produced. */
  note(session: LiveSession, ctx: unknown): void {
    this.owners.set(session, ctx);
    if (this.owners.size > 2 * this.sessions.size + 64) this.prune();
  }

  /**
   * End every session whose context matches: its connection (if any) is closed with 4401 and `reason`,
   * its running calls are aborted, and it can no longer be resumed. Returns the number of sessions ended.
   */
  revoke(predicate: (ctx: unknown, info: RevokeInfo) => boolean, reason: string): number {
    let ended = 0;
    for (const [session, ctx] of [...this.owners]) {
      if (this.sessions.get(session.id) !== session) {
        this.owners.delete(session);
        continue;
      }
      if (!predicate(ctx, { sessionId: session.id })) continue;
      this.owners.delete(session);
      session.connection?.revoked(reason);
      this.sessions.end(session);
      ended++;
    }
    return ended;
  }

  private prune(): void {
    for (const session of [...this.owners.keys()]) if (this.sessions.get(session.id) !== session) this.owners.delete(session);
  }
}
