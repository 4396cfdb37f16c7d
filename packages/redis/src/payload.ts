/**
 * Event data as stored in Redis: the superjson codec's JSON form and metadata in one JSON text, so that a
 * Date, a Map or a BigInt an application publishes arrives as such on every node. Encoded once per publish,
 * decoded once per event and node.
 */
import { superjsonCodec, type PayloadMeta } from '@ackwire/core';

export function encodePayload(data: unknown): string {
  const { json, meta } = superjsonCodec.encode(data);
  return JSON.stringify(meta === undefined ? [json] : [json, meta]);
}

export function decodePayload(text: string): unknown {
  const [json, meta] = JSON.parse(text) as [unknown, PayloadMeta | undefined];
  return superjsonCodec.decode(json, meta);
}
