/** The Ackwire client with its defaults (Node entry: `ws`, superjson, result and event validation). */
import { createClient } from '@ackwire/client';
import { TOPIC } from '../payload.js';
import { api, apiUnchecked } from './ackwire-contract.js';
import type { BenchClient } from './types.js';

function clientFor(contract: typeof api): BenchClient {
  return {
    // Calls made before the welcome go out right behind the hello (up to 8 on a new session).
    async connect(url) {
      const c = createClient(contract, { url });
      const ready = c.$ready();
      ready.catch(() => c.$close());
      return { ready, call: (input) => c.bench.echo(input), close: () => c.$close() };
    },
    subscribe(url, onEvent) {
      const c = createClient(contract, { url });
      return new Promise((resolve, reject) => {
        c.bench.events.subscribe(
          { topic: TOPIC },
          {
            onData: onEvent,
            onStarted: () => resolve({ close: () => c.$close() }),
            onError: (err) => {
              c.$close();
              reject(err);
            },
          },
        );
      });
    },
  };
}

export const client = clientFor(api);
/** The `ackwire-unchecked` system's client: the same, with schemas that accept anything. */
export const uncheckedClient = clientFor(apiUnchecked);
