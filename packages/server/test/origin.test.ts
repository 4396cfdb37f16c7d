/** The origin policy: allowlists, same-origin, functions, `*`, and normalisation. */
import { describe, expect, it } from 'vitest';
import { handshakeOf } from '../../../test/helpers/fake-socket.js';
import { isSameOrigin, originCheck } from '../src/origin.js';

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
});
