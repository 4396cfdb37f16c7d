/**
 * A WebSocket client that speaks ackwire.v1 by hand: frames are written and read as plain JSON arrays, so
 * tests check the wire format itself rather than what the real client makes of it.
 */
import type { IncomingMessage } from 'node:http';
import WebSocket, { type ClientOptions } from 'ws';

export type Frame = unknown[];

export interface Closed {
  code: number;
  reason: string;
}

export class RawClient {
  private readonly inbox: Array<Frame | string> = [];
  private waiting: ((frame: Frame | string) => void) | undefined;
  /** Every frame received, parsed (or raw text when it is not JSON), in order. */
  readonly received: Array<Frame | string> = [];
  readonly closed: Promise<Closed>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString();
      let frame: Frame | string;
      try {
        frame = JSON.parse(text) as Frame;
      } catch {
        frame = text;
      }
      this.received.push(frame);
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(frame);
      } else this.inbox.push(frame);
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  /** Open a connection offering `protocols`; rejects if the upgrade is refused. */
  static open(url: string, protocols: string[] = ['ackwire.v1.json'], options: ClientOptions = {}): Promise<RawClient> {
    const ws = new WebSocket(url, protocols, options);
    const client = new RawClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  get protocol(): string {
    return this.ws.protocol;
  }

  send(frame: Frame | string | Buffer, options: { binary?: boolean } = {}): void {
    const data = typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame);
    this.ws.send(data, { binary: options.binary ?? Buffer.isBuffer(data) });
  }

  /** The next frame; fails after `timeoutMs` or when the connection closes first. */
  next(timeoutMs = 2000): Promise<Frame> {
    const queued = this.inbox.shift();
    if (queued !== undefined) return Promise.resolve(queued as Frame);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`no frame within ${timeoutMs} ms`));
      }, timeoutMs);
      void this.closed.then((c) => {
        clearTimeout(timer);
        if (this.waiting) {
          this.waiting = undefined;
          reject(new Error(`connection closed (${c.code} ${c.reason}) while waiting for a frame`));
        }
      });
      this.waiting = (frame) => {
        clearTimeout(timer);
        resolve(frame as Frame);
      };
    });
  }

  /** Frames that arrived and were not taken by `next()` yet. */
  pending(): Array<Frame | string> {
    return [...this.inbox];
  }

  /** Send a hello and return the welcome frame. */
  async hello(fingerprint: string, params: unknown = null, resume?: [string, string]): Promise<Frame> {
    this.send(resume ? [1, 1, fingerprint, params, resume] : [1, 1, fingerprint, params]);
    const welcome = await this.next();
    if (welcome[0] !== 2) throw new Error(`expected a welcome frame, got ${JSON.stringify(welcome)}`);
    return welcome;
  }

  /** Send a ping and collect every frame that arrives before its pong. */
  async flush(): Promise<Frame[]> {
    this.send([14]);
    const before: Frame[] = [];
    for (;;) {
      const f = await this.next();
      if (f[0] === 15 && f.length === 1) return before;
      before.push(f);
    }
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }
}

export interface Refusal {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** Attempt an upgrade that the server is expected to refuse with an HTTP response; resolves with it. */
export function refusedUpgrade(url: string, protocols: string[]): Promise<Refusal> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    ws.on('open', () => {
      ws.terminate();
      reject(new Error(`upgrade accepted with subprotocol "${ws.protocol}"`));
    });
    ws.on('error', () => undefined);
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        ws.terminate();
      });
    });
  });
}
