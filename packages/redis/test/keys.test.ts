/** Key names and live messages, without a server: the hash tag of every topic, and malformed messages. */
import { describe, expect, it } from 'vitest';
import { topicKeys } from '@ackwire/redis';
import { parseMessage } from '../src/live-topic.js';
import { decodePayload, encodePayload } from '../src/payload.js';

/** The part of a key Redis Cluster hashes: between the first `{` and the next `}`, when not empty. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

describe('topicKeys', () => {
  it.each(['plain', '}{', '{a}b', 'chat.messages {"room":"x"}', '}', '%7D', ''])('gives %j one non-empty hash tag for all its keys', (topic) => {
    const k = topicKeys('ackwire:', topic);
    const tags = new Set([k.meta, k.events, k.channel].map(hashTag));
    expect(tags.size).toBe(1);
    expect([...tags][0]).not.toContain('}');
  });

  it('keeps distinct topics distinct', () => {
    const names = ['a}', 'a%7D', 'a{', 'a%7B', 'a%', 'a%25', '', '%'];
    expect(new Set(names.map((n) => topicKeys('p:', n).meta)).size).toBe(names.length);
  });
});

describe('live messages', () => {
  it('parses epoch, offset and payload; refuses anything else', () => {
    expect(parseMessage('E1 7 [1]')).toEqual({ epoch: 'E1', offset: 7, payload: '[1]' });
    expect(parseMessage('E1 7 [{"text":"a b c"}]')?.payload).toBe('[{"text":"a b c"}]');
    for (const bad of ['', 'E1', 'E1 7', 'E1 x [1]', 'E1 0 [1]', 'E1 -1 [1]', 'E1 1.5 [1]', 'E1 99999999999999999 [1]']) expect(parseMessage(bad), bad).toBeUndefined();
  });

  it('carries event data through JSON with superjson metadata when needed', () => {
    const data = { at: new Date(5), big: 3n, set: new Set([1]), plain: { a: [1, 'x'] }, none: undefined };
    expect(decodePayload(encodePayload(data))).toEqual(data);
    expect(encodePayload({ a: 1 })).toBe('[{"a":1}]');
  });
});
