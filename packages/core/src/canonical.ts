/** Deterministic JSON: object keys sorted, so equal values give equal strings (topic keys, fingerprints). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (value === undefined) return 'null';
    if (typeof value === 'bigint') return `"${value.toString()}n"`;
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const keys = Object.keys(value).sort();
  const parts: string[] = [];
  for (const key of keys) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined || typeof v === 'function') continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

const utf8 = new TextEncoder();
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = 0xffffffffffffffffn;

/**
 * FNV-1a, 64 bits, over the UTF-8 bytes of `text`, as 16 lowercase hex digits: for every byte,
 * `h = (h XOR byte) * 0x100000001b3 mod 2^64`, from `h = 0xcbf29ce484222325`. Synchronous (unlike WebCrypto's
 * digests), so a browser computes the fingerprint as a server does. Not a cryptographic hash: the
 * fingerprint tells versions of a contract apart, it does not authenticate anything.
 */
export function fnv1a64(text: string): string {
  let h = FNV_OFFSET;
  for (const byte of utf8.encode(text)) h = ((h ^ BigInt(byte)) * FNV_PRIME) & MASK_64;
  return h.toString(16).padStart(16, '0');
}
