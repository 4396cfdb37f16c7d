/**
 * wss:// end to end: a certificate generated with openssl at test time, the example server attached to
 * node:https, and the real client trusting that certificate's CA.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@ackwire/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startTlsServer } from '../../examples/tls/server.js';
import { later, upgrade, wsWith } from './helpers.js';

let dir: string;
let key: Buffer;
let cert: Buffer;

beforeAll(() => {
  try {
    execFileSync('which', ['openssl'], { stdio: 'pipe' });
  } catch {
    throw new Error('the TLS test needs the openssl command line tool (Debian: apt-get install openssl)');
  }
  dir = mkdtempSync(join(tmpdir(), 'ackwire-tls-'));
  execFileSync(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'pipe' },
  );
  key = readFileSync(join(dir, 'key.pem'));
  cert = readFileSync(join(dir, 'cert.pem'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function start() {
  const server = await startTlsServer({ key, cert });
  later(() => server.close());
  return server;
}

describe('TLS', () => {
  it('the real client calls over wss:// when it trusts the certificate', async () => {
    const { url } = await start();
    expect(url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/ws$/);
    const client = createClient(api, { url, params: { name: 'ada' }, WebSocket: wsWith({ ca: cert }) });
    later(() => client.$close());
    expect(await client.greet({ name: 'world' })).toBe('hello world, from ada, over TLS');
    const viaName = createClient(api, { url: url.replace('127.0.0.1', 'localhost'), params: { name: 'bo' }, WebSocket: wsWith({ ca: cert }) });
    later(() => viaName.$close());
    expect(await viaName.greet({ name: 'x' })).toBe('hello x, from bo, over TLS');
  });

  it('a client that does not trust the certificate never gets a session', async () => {
    const { url } = await start();
    const client = createClient(api, { url, params: { name: 'ada' }, reconnect: { maxAttempts: 0 } });
    later(() => client.$close());
    await expect(client.$ready()).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
  });

  it('plain ws:// to the TLS port fails; wss:// with the CA upgrades', async () => {
    const { url } = await start();
    await expect(upgrade(url.replace('wss://', 'ws://'))).rejects.toThrow();
    const up = await upgrade(url, { ca: cert, protocols: ['ackwire.v1.json'] });
    expect(up.ok).toBe(true);
  });
});
