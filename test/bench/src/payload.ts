/**
 * The payloads every system carries, and the checks applied to every reply and event. All systems send the
 * same values: plain JSON (no Date or BigInt), so each can carry them with its default serializer.
 */
import { z } from 'zod';

/** The input (and the output: the procedure echoes it) of every RPC workload. About 150 bytes as JSON. */
export const Echo = z.object({
  seq: z.number().int(),
  user: z.string().max(64),
  text: z.string().max(1024),
  tags: z.array(z.string().max(32)).max(16),
  score: z.number(),
  ok: z.boolean(),
});
export type Echo = z.infer<typeof Echo>;

/** The event of the fan-out workload. */
export const BenchEvent = z.object({
  seq: z.number().int().min(1),
  text: z.string().max(1024),
  at: z.number(),
});
export type BenchEvent = z.infer<typeof BenchEvent>;

/** The topic every subscriber of the fan-out workload listens to. */
export const TOPIC = 'bench';

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];

export function makeInput(seq: number): Echo {
  return {
    seq,
    user: `user-${seq % 1000}`,
    text: `message ${seq}: the quick brown fox jumps over the lazy dog`,
    tags: [WORDS[seq % 8]!, WORDS[(seq >> 3) % 8]!, 'bench'],
    score: (seq % 1000) / 8,
    ok: seq % 2 === 0,
  };
}

/** True when `reply` carries exactly the fields of `input` (the echo came back intact). */
export function isEcho(input: Echo, reply: unknown): boolean {
  if (typeof reply !== 'object' || reply === null) return false;
  const r = reply as Record<string, unknown>;
  if (Object.keys(r).length !== 6) return false;
  if (r.seq !== input.seq || r.user !== input.user || r.text !== input.text || r.score !== input.score || r.ok !== input.ok) return false;
  const tags = r.tags;
  if (!Array.isArray(tags) || tags.length !== input.tags.length) return false;
  for (let i = 0; i < tags.length; i++) if (tags[i] !== input.tags[i]) return false;
  return true;
}

export function makeEvent(seq: number): BenchEvent {
  return { seq, text: `event ${seq}: the quick brown fox jumps over the lazy dog`, at: 1_700_000_000_000 + seq };
}

/** An event of the cross-node workload: `at` is the wall-clock time it was published (see `wallNow`). */
export function makeTimedEvent(seq: number, at: number): BenchEvent {
  return { seq, text: `event ${seq}: the quick brown fox jumps over the lazy dog`, at };
}

/** The sequence number and publish time of a received timed event, or undefined when it is not one. */
export function timedEvent(event: unknown): { seq: number; at: number } | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const e = event as Record<string, unknown>;
  const { seq, at } = e;
  if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 1 || typeof at !== 'number') return undefined;
  return e.text === makeEvent(seq).text ? { seq, at } : undefined;
}

/** The sequence number of a received event, or 0 when the event is not one `makeEvent` made. */
export function eventSeq(event: unknown): number {
  if (typeof event !== 'object' || event === null) return 0;
  const e = event as Record<string, unknown>;
  const seq = e.seq;
  if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 1) return 0;
  const expected = makeEvent(seq);
  return e.text === expected.text && e.at === expected.at ? seq : 0;
}
