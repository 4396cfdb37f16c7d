/**
 * Forged superjson metadata: refused (or neutralised) before superjson reads it, with a BAD_REQUEST for
 * the call and the connection kept.
 */
import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { inbox, issue, later, makeSecureServer, upgrade } from './helpers.js';
import { listen } from '@ackwire/server/ws';

describe('forged metadata over a real socket', () => {
  it('is answered BAD_REQUEST for that call; the connection and the process carry on', async () => {
    issue('t', 'alice');
    const server = makeSecureServer();
    later(() => server.close());
    const { url } = await listen(server);
    const up = await upgrade(url, { protocols: ['ackwire.v1.superjson'] });
    if (!up.ok) throw new Error('refused');
    const box = inbox(up.ws);
    up.ws.send(JSON.stringify([1, 1, server.fingerprint, { token: 't' }]));
    await box.next((f) => f[0] === 2);
    const forged: Array<[unknown, unknown]> = [
      [{ a: {} }, { values: { '__proto__.polluted': ['Date'] }, v: 1 }],
      [{ a: 1 }, { values: ['Date', { x: 'y' }] }],
      [{ a: '9'.repeat(100_000) }, { values: { a: ['bigint'] } }],
      [{ a: 1e9 }, { values: { a: [['typed-array', 'Float64Array']] } }],
      [{ a: {} }, { values: { a: [['class', 'Admin']] } }],
    ];
    forged.forEach(([json, meta], i) => up.ws.send(JSON.stringify([3, i + 1, 'echo', json, meta])));
    for (let i = 1; i <= forged.length; i++) {
      const reply = await box.next((f) => f[1] === i);
      expect(reply.slice(0, 3)).toEqual([6, i, 'BAD_REQUEST']);
      expect(String(reply[3])).toMatch(/^payload metadata rejected: /);
    }
    up.ws.send(JSON.stringify([3, 9, 'echo', { when: '2020-01-01T00:00:00.000Z' }, { values: { when: ['Date'] }, v: 1 }]));
    expect(await box.next((f) => f[1] === 9)).toEqual([5, 9, { when: '2020-01-01T00:00:00.000Z' }, { values: { when: ['Date'] }, v: 1 }]);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});
