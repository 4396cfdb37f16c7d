/** The HTTP side shared by the servers built on `node:http` and `ws`: a free port of 127.0.0.1, and closing. */
import type { Server } from 'node:http';
import type { WebSocketServer } from 'ws';

/** Listen on a free port of 127.0.0.1; resolves to the port. */
export async function listenLocal(http: Server): Promise<number> {
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/** Drop every connection of `wss`, then close it and its HTTP server. */
export function closeWss(wss: WebSocketServer, http: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    for (const ws of wss.clients) ws.terminate();
    wss.close(() => http.close(() => resolve()));
  });
}
