/**
 * Redis key names of a session, and of a node (a store instance, one per process). A session's key and
 * channel share one hash tag, the session id, so that they live in one slot of a Redis Cluster:
 *
 *   <prefix>session:{<id>}        hash: h = SHA-256 of the resume token (hex), g = generation, l = highest
 *                                 id seen, w = call watermark, n = outcomes stored, p = set once a node
 *                                 waits for one of the session's outcomes; and per call id in the table,
 *                                 `~<node id>` while the call runs or its outcome frame once it has one
 *   <prefix>session:{<id>}:out    (sharded) pub/sub channel: a call id whose claim changed (stored,
 *                                 forgotten, released), or `end`; for nodes waiting for a call run elsewhere
 *   <prefix>node:{<node id>}      string with an expiry of leaseMs, renewed while the node runs: a call
 *                                 claimed by a node whose key is gone will not finish
 *
 * The ids this store makes are base64url; an id a client sends is escaped like a topic name (keys.ts), so
 * no id can reach another session's keys or slot. Topic keys are `<prefix>{...}`: the two never meet.
 */
import { escapeTag } from './keys.js';

/** A session's channel is its key with this suffix (the scripts make it from their key the same way). */
export const CHANNEL_SUFFIX = ':out';

export interface SessionKeys {
  readonly session: string;
  readonly channel: string;
}

export function sessionKeys(prefix: string, id: string): SessionKeys {
  const session = `${prefix}session:{${escapeTag(id) || '%'}}`;
  return { session, channel: session + CHANNEL_SUFFIX };
}

export function nodeKey(prefix: string, nodeId: string): string {
  return `${prefix}node:{${nodeId}}`;
}
