/** Serves the built web app: GET and HEAD of files under one directory, `/` being index.html. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  // Scripts, styles and sockets only from this origin (CSP 3: 'self' covers ws:// to the same host).
  'Content-Security-Policy': "default-src 'self'",
};

export function serveStatic(root: string) {
  const base = resolve(root);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return end(res, 405, 'Method Not Allowed');
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return end(res, 400, 'Bad Request');
    }
    const file = resolve(join(base, pathname === '/' ? 'index.html' : pathname));
    if (!file.startsWith(base + sep)) return end(res, 404, 'Not Found');
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return end(res, 404, 'Not Found');
    res.writeHead(200, {
      ...HEADERS,
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': info.size,
      'Cache-Control': 'no-cache',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  };
}

function end(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { ...HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(message);
}
