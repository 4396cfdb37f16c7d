/**
 * Cross-site WebSocket hijacking: a foreign Origin is refused with HTTP 403 before the upgrade. Matching is
 * exact; the default is same-origin; upgrades without an Origin (non-browser clients) are configurable.
 */
import { describe, expect, it } from 'vitest';
import { isSameOrigin, normalizeOrigin, originCheck } from '../../packages/server/src/origin.js';
import { handshakeOf, later, makeSecureServer, upgrade } from './helpers.js';
import { listen } from '@ackwire/server/ws';
import { internals } from '../helpers/internals.js';

const check = (policy: Parameters<typeof originCheck>[0], origin: string | undefined, host = 'app.example.com', allowMissing = true) =>
  originCheck(policy, allowMissing)(handshakeOf({ origin, headers: { host } }));

describe('origin policy (unit)', () => {
  it('an allowlist matches exactly: look-alike hosts, other schemes and ports, null and garbage do not pass', () => {
    const list = ['https://app.example.com', 'http://localhost:3000'];
    const allowed = ['https://app.example.com', 'http://localhost:3000'];
    const refused = [
      'https://APP.example.com',
      'https://app.example.com:443',
      'https://app.example.com/',
      ' https://app.example.com',
      'https://app.example.com.evil.com',
      'https://evil-app.example.com',
      'https://evil.com?https://app.example.com',
      'https://app.example.com@evil.com',
      'http://app.example.com',
      'https://app.example.com:8443',
      'https://sub.app.example.com',
      'http://localhost:3001',
      'http://localhost',
      'null',
      '',
      'app.example.com',
      'file://',
      'javascript:alert(1)',
      'https://app.example.com\u0000',
    ];
    for (const o of allowed) expect(check(list, o), o).toBe(true);
    for (const o of refused) expect(check(list, o), o).toBe(false);
  });

  it('same-origin compares the Origin host with the Host header', () => {
    expect(check('same-origin', 'https://app.example.com', 'app.example.com')).toBe(true);
    expect(check('same-origin', 'https://app.example.com', 'app.example.com:443')).toBe(true);
    expect(check('same-origin', 'http://localhost:8080', 'localhost:8080')).toBe(true);
    expect(check('same-origin', 'http://[::1]:8080', '[::1]:8080')).toBe(true);
    expect(check('same-origin', 'https://evil.com', 'app.example.com')).toBe(false);
    expect(check('same-origin', 'https://app.example.com.evil.com', 'app.example.com')).toBe(false);
    expect(check('same-origin', 'http://localhost:8081', 'localhost:8080')).toBe(false);
    expect(check('same-origin', 'null', 'app.example.com')).toBe(false);
    expect(check('same-origin', 'https://evil.com', 'x@evil.com')).toBe(false);
    expect(check('same-origin', 'https://evil.com', 'evil.com/path')).toBe(false);
    expect(isSameOrigin('https://a.com', undefined)).toBe(false);
  });

  it('a missing Origin follows allowMissingOrigin; "*" and functions decide, a throwing function refuses', () => {
    expect(check('same-origin', undefined)).toBe(true);
    expect(check('same-origin', undefined, 'app.example.com', false)).toBe(false);
    expect(check('*', 'https://anything.example')).toBe(true);
    expect(check((o) => o.endsWith('.trusted.example'), 'https://a.trusted.example')).toBe(true);
    expect(
      check(() => {
        throw new Error('oops');
      }, 'https://a.example'),
    ).toBe(false);
  });

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
