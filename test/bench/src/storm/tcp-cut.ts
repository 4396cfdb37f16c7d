/** The cut of workload G: every TCP connection an HTTP server accepted, destroyed at once (no close frame). */
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * Listen on a free port of 127.0.0.1 with an accept queue of 4,096 (Linux's default somaxconn) instead of
 * Node's 511: thousands of clients reconnecting within a quarter of a second overflow the smaller one, and
 * each dropped SYN costs its client a 1 s retransmission, which would measure the kernel's queue, not the
 * system. Both systems' servers listen this way.
 */
export async function listenStorm(http: Server): Promise<number> {
  await new Promise<void>((resolve) => http.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
  return (http.address() as AddressInfo).port;
}

export function trackSockets(http: Server): { cut(): number } {
  const sockets = new Set<Socket>();
  http.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return {
    cut() {
      const all = [...sockets];
      sockets.clear();
      for (const s of all) s.destroy();
      return all.length;
    },
  };
}

/** Calls held until released: every call that starts while holding waits for the same promise. */
export class Gate {
  private waiting: Promise<void> | undefined;
  private open: (() => void) | undefined;

  hold(): void {
    this.waiting ??= new Promise<void>((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open?.();
    this.waiting = this.open = undefined;
  }

  pass(): Promise<void> | undefined {
    return this.waiting;
  }
}

/** Executions per key; `doubled` counts the executions beyond each key's first. */
export class Executions {
  private readonly seen = new Set<string>();
  doubled = 0;
  running = 0;

  start(key: string): void {
    if (this.seen.has(key)) this.doubled++;
    else this.seen.add(key);
    this.running++;
  }
}
