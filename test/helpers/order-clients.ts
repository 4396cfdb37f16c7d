/**
 * The two kinds of client the outgoing-order tests run on: a plain one, and one whose calls go through a
 * reload journal (`restoreClient`) on a storage whose writes take a turn of the event loop, as IndexedDB's
 * do, so that every call waits for its record before it may be written.
 */
import { memoryStorage, restoreClient, type CallStorage, type ClientOptions } from '@ackwire/client';
import { later } from './cleanup.js';
import { api, type Harness, type ReliabilityClient } from './reliability.js';

export type MakeClient = (h: Harness, options?: Partial<ClientOptions>) => Promise<ReliabilityClient>;

/** A memory storage whose writes complete a macrotask later. */
export function slowStorage(): CallStorage & { readonly state: ReturnType<typeof memoryStorage>['state'] } {
  const inner = memoryStorage();
  return {
    get state() {
      return inner.state;
    },
    load: () => inner.load(),
    write: (batch) => new Promise<void>((resolve) => setTimeout(() => resolve(inner.write(batch) as undefined), 1)),
  };
}

/** Each client made here is closed after its test (cleanup.ts). */
export function orderClients(): ReadonlyArray<readonly [string, MakeClient]> {
  return [
    ['without a journal', async (h, options) => h.client(options)],
    [
      'with a reload journal',
      async (h, options = {}) => {
        const client = await restoreClient(api, { url: h.proxy.url, reconnect: { initialDelayMs: 5, maxDelayMs: 40 }, storage: slowStorage(), ...options });
        later(() => client.$close());
        return client as unknown as ReliabilityClient;
      },
    ],
  ];
}
