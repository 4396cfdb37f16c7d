/**
 * Identifiers and secrets (session ids, resume tokens) from the system CSPRNG, drawn from a pool refilled
 * 4 KiB at a time: one `randomFillSync` per hundred or so sessions instead of one per id, which shows in the
 * cost of opening a connection. Each byte is used once. The result is a flat URL-safe base64 string; nanoid
 * builds its ids a character at a time, and every idle session would keep those as chains of fragments.
 */
import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let used = POOL_SIZE;

/** `bytes` random bytes (at most 4,096) as URL-safe base64: 12 bytes give 16 characters, 96 bits. */
export function randomId(bytes: number): string {
  if (!(bytes > 0 && bytes <= POOL_SIZE)) throw new RangeError(`randomId: ${bytes} bytes`);
  if (used + bytes > POOL_SIZE) {
    randomFillSync(pool);
    used = 0;
  }
  const id = pool.toString('base64url', used, used + bytes);
  used += bytes;
  return id;
}
