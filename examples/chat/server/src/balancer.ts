/**
 * A small load balancer for `npm run cluster`: a round-robin TCP proxy in plain Node. Each new connection
 * (a page load, a WebSocket) goes to the next node in turn; a node that refuses the connection (stopped or
 * killed) is skipped for the next one, so a client never notices a dead node beyond its own reconnect.
 */
import net from 'node:net';

export interface Balancer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startBalancer(targets: () => readonly number[], port: number, host = '127.0.0.1'): Promise<Balancer> {
  let turn = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    client.pause(); // until a node takes the connection
    const connect = (tries: number): void => {
      const ports = targets();
      if (tries >= ports.length) return void client.destroy();
      const upstream = net.connect(ports[turn++ % ports.length]!, '127.0.0.1');
      upstream.once('error', () => {
        upstream.destroy();
        // Refused before any byte went through: the next node gets it.
        if (!upstream.bytesWritten && !client.destroyed) connect(tries + 1);
        else client.destroy();
      });
      upstream.once('connect', () => {
        upstream.on('error', () => client.destroy());
        upstream.on('close', () => client.destroy());
        client.on('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    connect(0);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
