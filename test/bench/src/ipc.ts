/**
 * Request/response over a Node IPC channel, both ways: the runner asks the server and load processes to do
 * things, and a load process asks the runner (for server counters at the edges of its measuring window).
 */
import type { ChildProcess } from 'node:child_process';

type Wire =
  | { kind: 'req'; id: number; body: Request }
  | { kind: 'res'; id: number; body?: unknown; error?: string };

export type Request = { type: string; [field: string]: unknown };
export type Handler = (req: Request) => unknown | Promise<unknown>;

interface Port {
  send?(message: unknown): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

export class Channel {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private handler: Handler = (req) => {
    throw new Error(`no handler for ${req.type}`);
  };

  constructor(private readonly port: Port) {
    port.on('message', (raw) => void this.receive(raw as Wire));
  }

  handle(handler: Handler): void {
    this.handler = handler;
  }

  request<T = unknown>(body: Request, timeoutMs = 120_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer to "${body.type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.post({ kind: 'req', id, body });
    });
  }

  /** Fail every request still waiting (the peer is gone). */
  fail(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  private post(message: Wire): void {
    if (!this.port.send) throw new Error('no IPC channel');
    this.port.send(message);
  }

  private async receive(msg: Wire): Promise<void> {
    if (msg.kind === 'res') {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error !== undefined) p.reject(new Error(msg.error));
      else p.resolve(msg.body);
      return;
    }
    try {
      const body = await this.handler(msg.body);
      this.post({ kind: 'res', id: msg.id, body });
    } catch (err) {
      this.post({ kind: 'res', id: msg.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  }
}

export function childChannel(child: ChildProcess): Channel {
  return new Channel(child);
}

/** In a child process: the channel to the runner. The process exits when the runner goes away. */
export function parentChannel(): Channel {
  if (!process.send) throw new Error('this script is started by the benchmark runner (src/main.ts)');
  process.on('disconnect', () => process.exit(1));
  return new Channel(process);
}
