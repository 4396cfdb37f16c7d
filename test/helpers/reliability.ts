/**
 * A contract, server and proxied client for the delivery-guarantee tests. Everything `harness()` opens is
 * closed after the test through the suite's one cleanup registry (cleanup.ts); `close()` may also be
 * called earlier, and more than once.
 */
import { contract, procedure, subscription } from '@ackwire/core';
import { createClient, type ClientOptions } from '@ackwire/client';
import { createServer, MemoryBroker, MemorySessionStore, type AckwireServer, type ServerConfig } from '@ackwire/server';
import { z } from 'zod';
import { startProxy, type Proxy } from './proxy.js';
import { listen } from '@ackwire/server/ws';
import { DelayedSessionStore } from './async-session-store.js';

export const api = contract({
  jobs: {
    run: procedure({ input: z.object({ key: z.string(), ms: z.number().int().optional() }), output: z.object({ key: z.string(), runs: z.number() }) }),
    retryable: procedure({ input: z.object({ key: z.string() }), output: z.object({ key: z.string(), runs: z.number() }), idempotent: true }),
    feed: subscription({ input: z.object({ topic: z.string() }), event: z.object({ n: z.number().int(), pad: z.string().optional() }) }),
  },
});

/**
 * The session stores the delivery guarantees are proven on: the default in-memory one, and the same store
 * answering every operation 0-3 ms late and out of order, as a network store would. Each gives the server
 * options that select it (with the given retention window).
 */
export const SESSION_STORES: ReadonlyArray<readonly [string, (retentionMs?: number) => { sessionStore?: MemorySessionStore | DelayedSessionStore }]> = [
  ['in-memory session store', () => ({})],
  ['asynchronous session store', (retentionMs) => ({ sessionStore: new DelayedSessionStore(new MemorySessionStore({ retentionMs }), { maxDelayMs: 3 }) })],
];

const connect = (options: ClientOptions) => createClient(api, options);
export type ReliabilityClient = ReturnType<typeof connect>;

export interface Harness {
  server: AckwireServer<any, undefined, unknown>;
  port: number;
  proxy: Proxy;
  /** Handler runs per key. */
  runs: Map<string, number>;
  /** Called inside the `run` handler, before it returns, per key. */
  during: Map<string, () => void | Promise<void>>;
  /** Abort reasons seen by handlers, per key. */
  aborted: Map<string, unknown>;
  client(options?: Partial<ClientOptions>): ReliabilityClient;
  close(): Promise<void>;
}

export async function harness(
  overrides: Partial<ServerConfig<typeof api, undefined, unknown>> = {},
  port = 0,
): Promise<Harness> {
  const runs = new Map<string, number>();
  const during = new Map<string, () => void | Promise<void>>();
  const aborted = new Map<string, unknown>();
  const count = (key: string): number => {
    const n = (runs.get(key) ?? 0) + 1;
    runs.set(key, n);
    return n;
  };
  const server = createServer(api, {
    logger: { error: () => undefined, warn: () => undefined },
    broker: new MemoryBroker(),
    handlers: {
      jobs: {
        run: async ({ key, ms }, { signal }) => {
          const n = count(key);
          signal.addEventListener('abort', () => aborted.set(key, signal.reason));
          if (ms) await new Promise((r) => setTimeout(r, ms));
          await during.get(key)?.();
          return { key, runs: n };
        },
        retryable: ({ key }) => ({ key, runs: count(key) }),
        feed: ({ topic }) => topic,
      },
    },
    ...overrides,
  });
  const listener = await listen(server, { port });
  const proxy = await startProxy(listener.port);
  const clients: Array<{ $close(): void }> = [];
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      for (const c of clients) c.$close();
      await proxy.close();
      await server.close();
    })());
  // Loaded here, not at the top: child processes import this file for its contract, outside vitest.
  const { later } = await import('./cleanup.js');
  later(close);
  return {
    server,
    port: listener.port,
    proxy,
    runs,
    during,
    aborted,
    client: (options = {}) => {
      const c = connect({ url: proxy.url, reconnect: { initialDelayMs: 5, maxDelayMs: 40 }, ...options });
      clients.push(c);
      return c;
    },
    close,
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
