/**
 * The server says when it refuses: one warning per refused upgrade or connection closed for its peer's
 * fault, with the reason and the remote address, and never a flood of lines however many are refused.
 */
import { describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { RefusalLog } from '../../packages/server/src/refusal-log.js';
import { spyLogger } from '../helpers/harness.js';
import { closeOf, later, makeSecureServer, upgrade } from './helpers.js';
import { listen } from '@ackwire/server/ws';

async function start(overrides: Parameters<typeof makeSecureServer>[0] = {}) {
  const logger = spyLogger();
  const server = makeSecureServer({ logger, ...overrides });
  later(() => server.close());
  const { url, port } = await listen(server);
  return { server, url, port, logger };
}

describe('refusals in the server log', () => {
  it('a foreign Origin: one warning naming the origin, the remote address and the option that allows it', async () => {
    const { url, logger } = await start();
    const res = await upgrade(url, { headers: { origin: 'http://localhost:5173' } });
    expect(res.ok).toBe(false);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(
      'refused a WebSocket upgrade with HTTP 403: Origin not allowed (allow it with the `origins` option)',
      { status: 403, reason: 'Origin not allowed', remoteAddress: '127.0.0.1', origin: 'http://localhost:5173', path: '/' },
    );
  });

  it('a wrong path, a missing subprotocol and the per-address cap: one warning each, with its reason', async () => {
    const { url, port, logger } = await start({ limits: { maxConnectionsPerAddress: 1 } });
    expect((await upgrade(`ws://127.0.0.1:${port}/wrong`)).ok).toBe(false);
    expect((await upgrade(url, { protocols: ['foo'] })).ok).toBe(false);
    const first = await upgrade(url);
    expect(first.ok).toBe(true);
    expect((await upgrade(url)).ok).toBe(false);
    if (first.ok) first.ws.terminate();
    const lines = logger.warn.mock.calls.map(([message, details]) => [message, details?.status, details?.remoteAddress]);
    expect(lines).toStrictEqual([
      ['refused a WebSocket upgrade with HTTP 404: Not Found', 404, '127.0.0.1'],
      ['refused a WebSocket upgrade with HTTP 400: No acceptable subprotocol. Server speaks: ackwire.v1.superjson, ackwire.v1.json', 400, '127.0.0.1'],
      ['refused a WebSocket upgrade with HTTP 429: Too many connections from this address', 429, '127.0.0.1'],
    ]);
  });

  it('authenticate refusing: one warning with its status and message', async () => {
    const { AckwireError } = await import('@ackwire/core');
    const { url, logger } = await start({
      authenticate: () => {
        throw new AckwireError('UNAUTHORIZED', 'Session cookie missing');
      },
    });
    expect((await upgrade(url)).ok).toBe(false);
    expect(logger.warn).toHaveBeenCalledWith('refused a WebSocket upgrade with HTTP 401: Session cookie missing', expect.objectContaining({ status: 401 }));
  });

  it('a connection closed for its fault (no hello in time): one warning with code, reason and address', async () => {
    const { url, logger } = await start({ helloTimeoutMs: 50 });
    const ws = new WebSocket(url, ['ackwire.v1.json']);
    expect((await closeOf(ws)).code).toBe(4408);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith('closed a connection with 4408: no hello in time', { code: 4408, reason: 'no hello in time', remoteAddress: '127.0.0.1' });
  });

  it('a flood of refused upgrades writes a bounded number of lines', async () => {
    const { url, logger } = await start();
    for (let i = 0; i < 100; i += 20) {
      await Promise.all(Array.from({ length: 20 }, () => upgrade(url, { headers: { origin: 'https://evil.example' } })));
    }
    expect(logger.warn.mock.calls.length).toBeGreaterThanOrEqual(1);
    expect(logger.warn.mock.calls.length).toBeLessThanOrEqual(10);
  });
});

describe('RefusalLog (unit)', () => {
  const peer = { remoteAddress: '203.0.113.7' };

  it('writes a burst of 10 lines, then one per 6 s, and the next line counts the ones left out', () => {
    let now = 0;
    const logger = { error: vi.fn(), warn: vi.fn() };
    const log = new RefusalLog(logger, () => now);
    for (let i = 0; i < 1000; i++) log.closed(4420, 'message rate limit exceeded', peer);
    expect(logger.warn).toHaveBeenCalledTimes(10);
    now += 5_999;
    log.closed(4420, 'message rate limit exceeded', peer);
    expect(logger.warn).toHaveBeenCalledTimes(10);
    now += 1;
    log.closed(4509, 'send buffer limit exceeded', peer);
    expect(logger.warn).toHaveBeenCalledTimes(11);
    expect(logger.warn).toHaveBeenLastCalledWith('closed a connection with 4509: send buffer limit exceeded (and 991 more refusals not logged)', {
      code: 4509,
      reason: 'send buffer limit exceeded',
      remoteAddress: '203.0.113.7',
      suppressed: 991,
    });
    // An hour of one refusal a second: at most 10 lines a minute.
    for (let s = 0; s < 3600; s++) {
      now += 1000;
      log.closed(4420, 'message rate limit exceeded', peer);
    }
    expect(logger.warn.mock.calls.length).toBeLessThanOrEqual(11 + 601);
  });

  it('closes that are not refusals write nothing: normal, going away, session replaced, internal error', () => {
    const logger = { error: vi.fn(), warn: vi.fn() };
    const log = new RefusalLog(logger);
    for (const code of [1000, 1001, 4410, 4500]) log.closed(code, 'x', peer);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('a logger that throws does not break the refusal', () => {
    const log = new RefusalLog({ error: () => undefined, warn: () => {
      throw new Error('disk full');
    } });
    expect(() => log.upgrade(403, 'Origin not allowed', peer, '/')).not.toThrow();
  });
});
