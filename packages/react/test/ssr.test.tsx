/**
 * Rendering on the server (`renderToString`, a Next.js-style app): the hooks render their "not connected
 * yet" state, nothing throws, and no socket is opened, whether the provider was given a factory (never
 * called on the server) or a lazy client (never woken).
 */
import { createClient } from '@ackwire/client';
import { AckwireProvider, useConnection, useSubscription, type ClientOf } from '@ackwire/react';
import { useCallMutation, useQueryUtils } from '@ackwire/react/query';
import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query';
import { renderToString } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import { api, startServer, type Api } from './fixtures.js';
import { internals } from '../../../test/helpers/internals.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function Page() {
  const connection = useConnection();
  const q = useQueryUtils<Api>();
  const list = useQuery(q.notes.list.queryOptions({ board: 'ssr' }));
  const feed = useSubscription((c: ClientOf<Api>) => c.notes.added, { board: 'ssr' });
  const add = useCallMutation(q.notes.add.mutationOptions());
  return (
    <main>
      <p>{connection.state}</p>
      <p>{list.status}</p>
      <p>{feed.status}</p>
      <p>{add.receipt.stage}</p>
    </main>
  );
}

describe('server-side rendering', () => {
  it('renders with a factory that is never called, and opens no socket', async () => {
    expect(typeof window).toBe('undefined');
    let made = 0;
    const html = renderToString(
      <QueryClientProvider client={new QueryClient()}>
        <AckwireProvider
          client={() => {
            made++;
            return createClient(api, { url: 'ws://127.0.0.1:1/' });
          }}
        >
          <Page />
        </AckwireProvider>
      </QueryClientProvider>,
    );
    expect(html).toBe('<main><p>connecting</p><p>pending</p><p>connecting</p><p>idle</p></main>');
    expect(made).toBe(0);
  });

  it('renders with a lazy client without waking it: the server sees no connection', async () => {
    const server = await startServer();
    cleanups.push(() => server.close());
    const client = createClient(api, { url: server.url, lazy: true });
    cleanups.push(() => client.$close());
    const html = renderToString(
      <QueryClientProvider client={new QueryClient()}>
        <AckwireProvider client={client}>
          <Page />
        </AckwireProvider>
      </QueryClientProvider>,
    );
    expect(html).toContain('<p>connecting</p>');
    await new Promise((r) => setTimeout(r, 50));
    expect(internals(server.server).connections.size).toBe(0);
    expect(internals(server.server).admission.size).toBe(0);
  });
});
