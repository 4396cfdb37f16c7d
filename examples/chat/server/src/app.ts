/** One HTTP server for the page and the WebSocket endpoint at /ws. */
import { existsSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { attach } from '@ackwire/server/ws';
import { createChatServer, type ChatOptions } from './chat.js';
import { serveStatic } from './static.js';

/** The web workspace's build output (same depth from src/ and dist/). */
export const WEB_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url));

export interface StartOptions {
  /** Default 3000; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  webRoot?: string;
  /** The chat's broker, session store and history (default: all in memory). */
  chat?: ChatOptions;
}

export interface Started {
  /** The page's URL, `http://localhost:<port>`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function start({ port = 3000, host = '127.0.0.1', webRoot = WEB_ROOT, chat: options }: StartOptions = {}): Promise<Started> {
  if (!existsSync(webRoot)) throw new Error(`No web app at ${webRoot}: run \`npm run build\` first`);
  const chat = createChatServer(options);
  const http = createHttpServer(serveStatic(webRoot));
  await new Promise<void>((ok, fail) => {
    http.once('error', fail);
    http.listen(port, host, () => ok());
  });
  attach(chat, { server: http, path: '/ws' });
  const address = http.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://localhost:${bound}`,
    port: bound,
    close: async () => {
      await chat.close(); // a drain: clients move to another node with 1012
      http.closeAllConnections();
      await new Promise<void>((ok) => http.close(() => ok()));
    },
  };
}
