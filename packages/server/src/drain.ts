/**
 * The drain that `server.close()` runs before it lets go of the store and the listeners, so that a deploy
 * loses nothing (docs/scaling.md, "Deploys"):
 *
 * 1. Stop accepting: upgrades are refused (told in band with 1012, else HTTP 503), and no new call starts.
 * 2. Tell every client to reconnect elsewhere at once: close 1012 (`SERVICE_RESTART`), which the client
 *    retries after a small jitter instead of its backoff.
 * 3. Let the calls running here finish, within `drainTimeoutMs`, and wait until their outcomes are in the
 *    session store. A store that other processes resume from (one with `awaitOutcome`, such as Redis) hands
 *    each outcome to the process where the client resumed; a call re-sent there is not run again.
 * 4. Let go of the sessions: with such a store they are NOT ended (the client resumes them elsewhere); with
 *    a store only this process reads (the in-memory default) they cannot move, so each connection whose
 *    session has running calls stays open until they finish and their outcomes reach the client, and the
 *    sessions end as the process closes.
 *
 * Calls still running at the bound have their `signal` aborted; an outcome they store right away still
 * counts, else the store's `close()` tells the other processes that the call is lost (RESULT_UNKNOWN).
 */
import type { ServerConnection } from './connection.js';
import type { SessionRegistry } from './session.js';

/** What a drain needs of the server. */
export interface Drainable {
  draining: boolean;
  readonly connections: ReadonlySet<ServerConnection>;
  readonly sessions: SessionRegistry;
}

/** Default of `drainTimeoutMs`: how long running calls may take to finish once the server drains. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

/** Drain `server` (see above); resolves once no call runs here and the store has every outcome. */
export async function drain(server: Drainable, timeoutMs: number): Promise<void> {
  server.draining = true;
  const sessions = server.sessions;
  const movable = typeof sessions.store.awaitOutcome === 'function';
  const claims: Array<Promise<void>> = [];
  for (const conn of [...server.connections]) {
    // A call read before the close and waiting for its claim may still start here: it is waited for.
    if (conn.storeWait) claims.push(conn.storeWait);
    if (movable || !conn.session?.busy) conn.drained();
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  await Promise.race([Promise.allSettled(claims).then(() => callsFinished(sessions)), bound]);
  clearTimeout(timer);
  sessions.onIdle = undefined;
  for (const conn of [...server.connections]) conn.drained();
  if (movable) sessions.releaseAll();
  else sessions.endAll();
  // Handlers that answer the abort at once still store their outcome; then every outcome is in the store.
  await new Promise((r) => setImmediate(r));
  await sessions.settled();
}

/** Resolves when no session held here has a running call; closes each connection whose session idles. */
function callsFinished(sessions: SessionRegistry): Promise<void> {
  return new Promise((resolve) => {
    if (!sessions.busy) return resolve();
    sessions.onIdle = (session) => {
      session.connection?.drained();
      if (!sessions.busy) resolve();
    };
  });
}
