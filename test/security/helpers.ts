/** Shared pieces of the security tests: a contract with something to protect, a token table, raw upgrades. */
import type { IncomingHttpHeaders } from 'node:http';
import type { WebSocketLike } from '@ackwire/client';
import { AckwireError, contract, procedure, subscription, type Contract } from '@ackwire/core';
import { createServer, type ServerConfig } from '@ackwire/server';
import WebSocket, { type ClientOptions } from 'ws';
import { z } from 'zod';
import { abortableSleep } from '../helpers/sleep.js';
import { internals } from '../helpers/internals.js';
import { afterCleanup, later } from '../helpers/cleanup.js';

/** A fresh copy of the contract's tree (a definition belongs to one contract). */
const secureTree = () => ({
  whoami: procedure({ input: z.void(), output: z.object({ user: z.string(), role: z.string() }) }),
  notes: {
    read: procedure({ input: z.object({ owner: z.string() }), output: z.object({ owner: z.string(), text: z.string() }) }),
    slow: procedure({ input: z.object({ ms: z.number().int().max(10_000) }), output: z.literal('done') }),
    feed: subscription({ input: z.object({ owner: z.string() }), event: z.object({ text: z.string() }) }),
  },
  admin: {
    stats: procedure({ input: z.void(), output: z.object({ sessions: z.number() }) }),
  },
  echo: procedure({ input: z.unknown(), output: z.unknown() }),
  record: procedure({ input: z.record(z.string(), z.unknown()), output: z.array(z.string()) }),
  boom: procedure({ input: z.void(), output: z.void() }),
});

/** Connection params: a token from the token table. */
export const secureApi = contract(secureTree(), { params: z.object({ token: z.string().max(256) }) });
/** The same contract (same fingerprint) without a params schema: any params reach `context`. */
export const anyParamsApi = contract(secureTree());

/** The contract's tree (what `ServerConfig` and `Handlers` take). */
export type SecureTree = typeof secureApi;

export interface User {
  user: string;
  role: 'member' | 'admin';
  /** Expiry of the credential, ms since the epoch. */
  exp: number;
}

export type SecureCtx = User;
export const SECRET = 'hunter2-database-password';

/** Credentials by token. Tests add, expire and remove entries. */
export const tokens = new Map<string, User>();
export function issue(token: string, user: string, role: User['role'] = 'member', ttlMs = 60_000): string {
  tokens.set(token, { user, role, exp: Date.now() + ttlMs });
  return token;
}

const quiet = { error: () => undefined, warn: () => undefined };

/**
 * A server whose `context` reads `{ token }` params from the token table (UNAUTHORIZED for an unknown or
 * expired one) and whose credentials expire at the token's `exp`.
 */
export function makeSecureServer(
  overrides: Partial<ServerConfig<SecureTree, SecureCtx, { token: string }, unknown>> = {},
  { anyParams = false }: { anyParams?: boolean } = {},
) {
  const sessions = { count: () => 0 };
  const server = createServer(anyParams ? (anyParamsApi as unknown as typeof secureApi) : secureApi, {
    context: ({ params }): SecureCtx => {
      const found = tokens.get(params.token);
      if (!found || found.exp <= Date.now()) throw new AckwireError('UNAUTHORIZED', 'Invalid or expired token');
      return { ...found };
    },
    expiresAt: (ctx) => ctx.exp,
    logger: quiet,
    handlers: {
      whoami: (_input, { ctx }) => ({ user: ctx.user, role: ctx.role }),
      notes: {
        read: ({ owner }) => ({ owner, text: `notes of ${owner}` }),
        slow: async ({ ms }, { signal }) => {
          await abortableSleep(ms, signal);
          return 'done' as const;
        },
        feed: ({ owner }) => owner,
      },
      admin: { stats: () => ({ sessions: sessions.count() }) },
      echo: (input) => input,
      record: (input) => Object.keys(input),
      boom: () => {
        throw new Error(`connect failed: ${SECRET}`);
      },
    },
    ...overrides,
  });
  sessions.count = () => internals(server).sessions.size;
  return server;
}

// ---- cleanup -------------------------------------------------------------------------------------------

export { later };
afterCleanup(() => tokens.clear());

// ---- raw upgrades --------------------------------------------------------------------------------------

export type Upgrade = { ok: true; ws: WebSocket; protocol: string } | { ok: false; status: number; body: string; headers: IncomingHttpHeaders };

/** Attempt an upgrade; resolves with the open socket or the HTTP refusal. Without the negotiation token
 * offered (the default here), refusals come as HTTP statuses; with it, in band (see in-band-refusals.test.ts). */
export function upgrade(url: string, options: ClientOptions & { protocols?: string[] } = {}): Promise<Upgrade> {
  const { protocols = ['ackwire.v1.json'], ...rest } = options;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, rest);
    ws.on('open', () => {
      later(() => ws.terminate());
      resolve({ ok: true, ws, protocol: ws.protocol });
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ ok: false, status: res.statusCode ?? 0, body, headers: res.headers });
        ws.terminate();
      });
    });
    ws.on('error', (err) => reject(err));
  });
}

/** Resolves with the close code and reason of a socket. */
export function closeOf(ws: WebSocket): Promise<{ code: number; reason: string }> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve({ code: -1, reason: 'already closed' });
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** Collects every frame a raw socket receives, parsed. */
export function inbox(ws: WebSocket): { frames: unknown[][]; next(match?: (f: unknown[]) => boolean, timeoutMs?: number): Promise<unknown[]> } {
  const frames: unknown[][] = [];
  const waiters: Array<{ match: (f: unknown[]) => boolean; resolve: (f: unknown[]) => void }> = [];
  let seen = 0;
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as unknown[];
    frames.push(frame);
    for (const w of [...waiters]) {
      if (w.match(frame)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(frame);
      }
    }
  });
  return {
    frames,
    next(match = () => true, timeoutMs = 2000) {
      for (let i = seen; i < frames.length; i++) {
        if (match(frames[i]!)) {
          seen = i + 1;
          return Promise.resolve(frames[i]!);
        }
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(frames).slice(0, 300)}`)), timeoutMs);
        waiters.push({
          match,
          resolve: (f) => {
            clearTimeout(timer);
            seen = frames.length;
            resolve(f);
          },
        });
      });
    },
  };
}

/** Open a raw json-codec connection and say hello; resolves with the socket, its inbox and the welcome. */
export async function rawSession(url: string, fingerprint: string, params: unknown, options: ClientOptions & { protocols?: string[] } = {}) {
  const up = await upgrade(url, options);
  if (!up.ok) throw new Error(`upgrade refused with ${up.status}`);
  const box = inbox(up.ws);
  up.ws.send(JSON.stringify([1, 1, fingerprint, params]));
  const welcome = await box.next((f) => f[0] === 2);
  return { ws: up.ws, box, welcome };
}

export { handshakeOf } from '../helpers/fake-socket.js';

/** A WebSocket constructor for the real client that passes `ws` options (headers, TLS trust) to every socket. */
export function wsWith(options: ClientOptions): WebSocketLike {
  class Configured extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, options);
    }
  }
  return Configured as unknown as WebSocketLike;
}
