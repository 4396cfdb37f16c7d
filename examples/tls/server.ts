/**
 * Ackwire over TLS: the server is attached to a `node:https` server, so clients connect with `wss://`.
 * Certificates, TLS versions and ciphers are the HTTPS server's business; Ackwire only takes its upgrades.
 *
 *   npm run build
 *   npx tsx examples/tls/server.ts --key key.pem --cert cert.pem [--port 8443]
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { AckwireError, contract, procedure } from '@ackwire/core';
import { createServer } from '@ackwire/server';
import { attach } from '@ackwire/server/ws';
import * as z from 'zod';

export const api = contract(
  { greet: procedure({ input: z.object({ name: z.string().max(100) }), output: z.string() }) },
  { params: z.object({ name: z.string().max(100) }).nullable() },
);

interface Ctx {
  name: string;
  remoteAddress: string;
}

export interface TlsServerOptions {
  key: string | Buffer;
  cert: string | Buffer;
  /** Default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Browser origins allowed to connect. Default: same-origin. */
  origins?: readonly string[];
}

export async function startTlsServer(options: TlsServerOptions): Promise<{ url: string; close(): Promise<void> }> {
  const https = createHttpsServer({ key: options.key, cert: options.cert, minVersion: 'TLSv1.2' }, (_req, res) => {
    res.writeHead(426, { 'Content-Type': 'text/plain' }).end('Upgrade Required');
  });
  const server = createServer(api, {
    context: ({ params, remoteAddress }): Ctx => {
      if (params === null) throw new AckwireError('UNAUTHORIZED', 'Say who you are');
      return { name: params.name, remoteAddress };
    },
    ...(options.origins ? { origins: options.origins } : {}),
    handlers: {
      greet: ({ name }, { ctx }) => `hello ${name}, from ${ctx.name}, over TLS`,
    },
  });
  await new Promise<void>((resolve, reject) => {
    https.once('error', reject);
    https.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const listener = attach(server, { server: https, path: '/ws' });
  return {
    url: listener.url,
    close: async () => {
      await server.close();
      https.closeAllConnections();
      await new Promise<void>((resolve) => https.close(() => resolve()));
    },
  };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  const key = arg('key');
  const cert = arg('cert');
  if (!key || !cert) {
    console.error('usage: tsx examples/tls/server.ts --key key.pem --cert cert.pem [--port 8443]');
    process.exit(2);
  }
  const running = await startTlsServer({ key: readFileSync(key), cert: readFileSync(cert), port: Number(arg('port') ?? 8443) });
  console.log(`Ackwire listening on ${running.url}`);
  process.once('SIGINT', () => void running.close().then(() => process.exit(0)));
}
