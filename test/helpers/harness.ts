/**
 * Servers, clients and raw sockets that close themselves after each test. Call `useHarness()` once at the
 * top of a test file; everything opened through it is closed in reverse order in `afterEach`.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, type Client, type ClientOptions } from '@ackwire/client';
import { AckwireError, type Contract, type ContractTree } from '@ackwire/core';
import type { AckwireServer, Logger, ServerConfig } from '@ackwire/server';
import { expect, vi, type Mock } from 'vitest';
import type WebSocket from 'ws';
import { type Ctx, api, makeServer } from './fixtures.js';
import { RawClient } from './raw-client.js';
import { startRawServer, type RawPeer, type RawServer } from './raw-server.js';
import type { Frame } from './raw-client.js';
import { attach, listen as listenWs } from '@ackwire/server/ws';
import { later } from './cleanup.js';

export interface Started<S> {
  server: S;
  url: string;
}

export interface Harness {
  /** Run `fn` after the current test (last registered runs first). */
  defer(fn: () => unknown): void;
  /** The fixture server (see fixtures.ts) listening on 127.0.0.1 with a free port. */
  fixtureServer(overrides?: Partial<ServerConfig<typeof api, Ctx, unknown>>): Promise<Started<ReturnType<typeof makeServer>>>;
  /** Any server listening on 127.0.0.1 with a free port. */
  listen<S extends AckwireServer<any, any, any>>(server: S): Promise<Started<S>>;
  /** A server attached to an HTTP server of ours, counting the upgrade requests it gets. */
  attachCounting<S extends AckwireServer<any, any, any>>(server: S): Promise<Started<S> & { upgrades: () => number }>;
  /** The real client (Node entry), closed after the test. */
  client<T extends ContractTree>(contract: Contract<T>, options: ClientOptions): Client<T>;
  /** A raw ackwire.v1 speaker. */
  raw(url: string, protocols?: string[], options?: WebSocket.ClientOptions): Promise<RawClient>;
  /** A hand-written ackwire.v1 server. */
  rawServer(onFrame: (frame: Frame, peer: RawPeer) => void, options?: { tokens?: string[] }): Promise<RawServer>;
}

/** A logger whose calls can be inspected. */
export function spyLogger(): { error: Mock<Logger['error']>; warn: Mock<Logger['warn']> } {
  return { error: vi.fn<Logger['error']>(), warn: vi.fn<Logger['warn']>() };
}

function listenHttp(http: HttpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => resolve((http.address() as AddressInfo).port));
  });
}

export function useHarness(): Harness {
  const defer = later;

  const listen = async <S extends AckwireServer<any, any, any>>(server: S): Promise<Started<S>> => {
    defer(() => server.close());
    const listener = await listenWs(server, { port: 0 });
    return { server, url: listener.url };
  };

  return {
    defer,
    listen,
    fixtureServer: (overrides = {}) => listen(makeServer(overrides)),
    async attachCounting(server) {
      let upgrades = 0;
      const http = createHttpServer();
      http.on('upgrade', () => upgrades++);
      const port = await listenHttp(http);
      defer(
        () =>
          new Promise<void>((resolve) => {
            http.closeAllConnections();
            http.close(() => resolve());
          }),
      );
      defer(() => server.close());
      attach(server, { server: http });
      return { server, url: `ws://127.0.0.1:${port}/`, upgrades: () => upgrades };
    },
    client(contract, options) {
      const client = createClient(contract, options);
      defer(() => client.$close());
      return client;
    },
    async raw(url, protocols, options) {
      const raw = await RawClient.open(url, protocols, options);
      defer(() => raw.close());
      return raw;
    },
    async rawServer(onFrame, options) {
      const server = await startRawServer(onFrame, options);
      defer(() => server.close());
      return server;
    },
  };
}

/** Resolve when `fn` has been called; for callbacks such as onStarted. */
export function once<A extends unknown[]>(): { fn: (...args: A) => void; called: Promise<A> } {
  let resolve!: (args: A) => void;
  const called = new Promise<A>((r) => (resolve = r));
  return { fn: (...args: A) => resolve(args), called };
}

/** The AckwireError a promise rejects with; fails the test if it resolves or rejects with something else. */
export async function rejection(promise: Promise<unknown>): Promise<AckwireError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AckwireError);
    return err as AckwireError;
  }
  throw new Error('expected a rejection');
}
