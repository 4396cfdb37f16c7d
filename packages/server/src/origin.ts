/**
 * Origin checks against cross-site WebSocket hijacking. Browsers send the page's origin with every
 * WebSocket upgrade and attach the site's cookies whatever the page, so an upgrade from a foreign origin
 * must be refused before the socket exists. Matching is exact: a browser sends the origin serialized
 * (lowercase scheme and host, no default port, no path), and the header must be exactly that string.
 */
import type { Handshake } from './handshake.js';

/**
 * `'same-origin'` (the default): the Origin's host must equal the Host header. A list: exactly those
 * origins. A function: it decides. `'*'`: any origin.
 */
export type OriginPolicy = 'same-origin' | '*' | readonly string[] | ((origin: string, handshake: Handshake) => boolean);

export type OriginCheck = (handshake: Handshake) => boolean;

/** `https://App.example.com:443/` → `https://app.example.com`. Throws on anything that is not an origin. */
export function normalizeOrigin(origin: string): string {
  const url = new URL(origin);
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.pathname !== '/' || url.search || url.hash) {
    throw new TypeError(`Ackwire server: "${origin}" is not an http(s) origin (scheme://host[:port])`);
  }
  return url.origin;
}

/** The Origin header as a URL, if it is an http(s) origin in the serialized form browsers send. */
function parsedOrigin(origin: string): URL | undefined {
  if (origin === 'null') return undefined;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === origin ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The Origin's host equals the Host header (default ports normalised for the Origin's scheme). */
export function isSameOrigin(origin: string, host: string | undefined): boolean {
  const url = parsedOrigin(origin);
  if (!url || !host || !/^[A-Za-z0-9.\-:[\]]+$/.test(host)) return false;
  let hostUrl: URL;
  try {
    hostUrl = new URL(`${url.protocol}//${host}`);
  } catch {
    return false;
  }
  return hostUrl.host === url.host;
}

/** Compile a policy into a check. An invalid entry in a list throws here, at server creation. */
export function originCheck(policy: OriginPolicy = 'same-origin', allowMissing = true): OriginCheck {
  let allowed: (origin: string, handshake: Handshake) => boolean;
  if (policy === '*') allowed = () => true;
  else if (policy === 'same-origin') allowed = (origin, handshake) => isSameOrigin(origin, handshake.headers.host);
  else if (typeof policy === 'function') allowed = policy;
  else {
    const set = new Set(policy.map(normalizeOrigin));
    allowed = (origin) => set.has(origin);
  }
  return (handshake) => {
    const origin = handshake.origin;
    if (origin === undefined) return allowMissing;
    try {
      return allowed(origin, handshake) === true;
    } catch {
      return false;
    }
  };
}
