/**
 * Cross-site WebSocket hijacking: a foreign Origin is refused with HTTP 403 before the upgrade. Matching is
 * exact; the default is same-origin; upgrades without an Origin (non-browser clients) are configurable.
 */
import { describe, expect, it } from 'vitest';
import { normalizeOrigin } from '../../packages/server/src/origin.js';
import { later, makeSecureServer, upgrade } from './helpers.js';
import { listen } from '@ackwire/server/ws';
import { internals } from '../helpers/internals.js';

describe('origin policy at server creation', () => {
  it('an invalid allowlist entry fails at server creation', () => {
    expect(() => normalizeOrigin('https://app.example.com/path')).toThrow(/not an http\(s\) origin/);
    expect(() => normalizeOrigin('*.example.com')).toThrow();
    expect(() => makeSecureServer({ origins: ['https://ok.example', 'ftp://files.example'] })).toThrow(/not an http\(s\) origin/);
  });
});

describe('origin over real sockets', () => {
  it('same-origin by default: the page origin connects, a foreign one gets 403 before any WebSocket exists', async () => {
    const server = makeSecureServer();
    later(() => server.close());
    const { url, port } = await listen(server);
    const same = await upgrade(url, { origin: `http://127.0.0.1:${port}` });
    expect(same.ok).toBe(true);
    const foreign = await upgrade(url, { origin: 'https://evil.example' });
    expect(foreign.ok ? 0 : foreign.status).toBe(403);
    const nullOrigin = await upgrade(url, { origin: 'null' });
    expect(nullOrigin.ok ? 0 : nullOrigin.status).toBe(403);
    expect(internals(server).connections.size).toBe(1);
  });

  it('with an allowlist only listed origins pass; without an Origin header the option decides', async () => {
    const open = makeSecureServer({ origins: ['https://app.example.com'] });
    const strict = makeSecureServer({ origins: ['https://app.example.com'], allowMissingOrigin: false });
    later(() => open.close());
    later(() => strict.close());
    const a = await listen(open);
    const b = await listen(strict);
    expect((await upgrade(a.url, { origin: 'https://app.example.com' })).ok).toBe(true);
    const lookalike = await upgrade(a.url, { origin: 'https://app.example.com.evil.com' });
    expect(lookalike.ok ? 0 : lookalike.status).toBe(403);
    expect((await upgrade(a.url)).ok).toBe(true);
    const missing = await upgrade(b.url);
    expect(missing.ok ? 0 : missing.status).toBe(403);
    expect((await upgrade(b.url, { origin: 'https://app.example.com' })).ok).toBe(true);
  });
});
