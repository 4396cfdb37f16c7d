/**
 * Redis key names of a topic. Every key and the channel of one topic share one hash tag, so that they live
 * in one slot of a Redis Cluster and one script can touch them all.
 *
 *   <prefix>{<topic>}:meta    hash: e = epoch, o = last offset, t = time of the last publish (ms, Redis clock)
 *   <prefix>{<topic>}:events  stream of the retained events; entry id `<offset>-<ms>`, field d = payload
 *   <prefix>{<topic>}:live    (sharded) pub/sub channel of live events
 *
 * Braces and `%` in the topic name are percent-escaped inside the tag: a `}` in the name would otherwise end
 * the tag early (or leave it empty) and scatter the topic's keys over slots. The empty name's tag is `%`.
 */

export interface TopicKeys {
  readonly meta: string;
  readonly events: string;
  readonly channel: string;
}

/** A name as it goes inside a hash tag: `%`, `{` and `}` percent-escaped. */
export const escapeTag = (topic: string): string => topic.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function topicKeys(prefix: string, topic: string): TopicKeys {
  // An empty tag would make Redis hash whole keys; a lone `%` (never produced by escaping) stands for ''.
  const base = `${prefix}{${escapeTag(topic) || '%'}}`;
  return { meta: `${base}:meta`, events: `${base}:events`, channel: `${base}:live` };
}
