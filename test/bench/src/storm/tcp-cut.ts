/** The cut of workload G: every TCP connection an HTTP server accepted, destroyed at once (no close frame). */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

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
