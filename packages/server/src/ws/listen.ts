/** `listen`: a new HTTP server that answers plain requests with 426 and serves WebSocket upgrades. */
import { createServer as createHttpServer } from 'node:http';
import type { AckwireServer } from '../server.js';
import { gatewayOf } from '../runtime.js';
import { serveUpgrades, type AttachOptions, type Listener } from './attach.js';

export interface ListenOptions extends Omit<AttachOptions, 'server'> {
  /** Default 0 (any free port). */
  port?: number;
  /** Time allowed for the HTTP upgrade request (its headers) to arrive, in ms; a client trickling it is
   * answered 408 and dropped within about a second after it. Default 5,000. (With `attach`, your HTTP
   * server's own `headersTimeout` applies.) */
  upgradeTimeoutMs?: number;
  /** Default `127.0.0.1`. */
  host?: string;
}

/** Serve `server` on a new HTTP server (`port`, `host`, `path`); `server.close()` closes it. */
export async function listen(server: AckwireServer<any, any, any, any>, options: ListenOptions = {}): Promise<Listener> {
  const upgradeTimeoutMs = options.upgradeTimeoutMs ?? 5_000;
  // Node's defaults (60 s for the headers, checked every 30 s) let a client trickling its request hold a
  // socket for about 90 s.
  const timeouts = { headersTimeout: upgradeTimeoutMs, requestTimeout: upgradeTimeoutMs, connectionsCheckingInterval: Math.min(1_000, upgradeTimeoutMs) };
  const http = createHttpServer(timeouts, (_req, res) => {
    res.writeHead(426, { 'Content-Type': 'text/plain' });
    res.end('Upgrade Required');
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const core = gatewayOf(server);
  const inner = serveUpgrades(core, { ...options, server: http });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const host = options.host ?? '127.0.0.1';
  return core.track({
    port,
    get connections() {
      return inner.connections;
    },
    url: `ws://${host.includes(':') ? `[${host}]` : host}:${port}${options.path ?? '/'}`,
    close: async () => {
      await inner.close();
      http.closeAllConnections?.();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  });
}
