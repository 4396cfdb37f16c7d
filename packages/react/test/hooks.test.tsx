// @vitest-environment happy-dom
/**
 * The hooks against a real Ackwire server on 127.0.0.1, rendered by react-dom into happy-dom, with the
 * Node client (`ws`) underneath: the connection's state and "reconnect now", one wire subscription per
 * (subscription, input) under StrictMode, TanStack queries and mutations with their receipts, and
 * subscription events updating query data.
 */
import { createClient, memoryStorage, restoreClient } from '@ackwire/client';
import { AckwireProvider, useConnection, useRecoveredCalls, useSubscription, type ClientOf } from '@ackwire/react';
import { useCallMutation, useQueryUtils } from '@ackwire/react/query';
import { QueryClient, QueryClientProvider, useQuery, useQueryClient } from '@tanstack/react-query';
import { StrictMode, useState, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { flushSync } from 'react-dom';
import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually, startServer, type Api } from './fixtures.js';
import { internals } from '../../../test/helpers/internals.js';

type ApiClient = ClientOf<Api>;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(options: Parameters<typeof createClient>[1] extends infer O ? Partial<O> : never = {}) {
  const server = await startServer();
  cleanups.push(() => server.close());
  const client = createClient(api, { url: server.url, reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000, wakeJitterMs: 1 }, ...options }) as ApiClient;
  cleanups.push(() => client.$close());
  const container = document.createElement('div');
  document.body.append(container);
  const root: Root = createRoot(container);
  cleanups.push(() => {
    root.unmount();
    container.remove();
  });
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const render = (ui: ReactNode): void =>
    flushSync(() =>
      root.render(
        <StrictMode>
          <QueryClientProvider client={queryClient}>
            <AckwireProvider client={client}>{ui}</AckwireProvider>
          </QueryClientProvider>
        </StrictMode>,
      ),
    );
  const text = (testId: string): string => container.querySelector(`[data-testid="${testId}"]`)?.textContent ?? '(missing)';
  return { server, client, container, render, text, queryClient };
}

function ConnectionBadge() {
  const c = useConnection();
  return (
    <p>
      <span data-testid="state">{c.state}</span>
      <span data-testid="close">{c.lastClose ? `${c.lastClose.kind}${c.lastClose.willRetry ? ', retrying' : ''}` : 'none'}</span>
      <span data-testid="retry">{c.retryAt ? 'scheduled' : 'none'}</span>
      <button data-testid="now" onClick={() => c.reconnect()}>
        retry now
      </button>
    </p>
  );
}

function Feed({ board, name }: { board: string; name: string }) {
  const sub = useSubscription((c: ApiClient) => c.notes.added, { board });
  return (
    <p data-testid={name}>
      {sub.status}:{sub.events.map((e) => e.text).join(',')}
    </p>
  );
}

describe('useConnection', () => {
  it('shows the state and the kind of the last close, and reconnect() skips a 60 s backoff', async () => {
    const { server, client, render, text, container } = await setup();
    render(<ConnectionBadge />);
    await eventually(() => expect(text('state')).toBe('open'), 'open');
    expect(text('close')).toBe('none');
    for (const conn of [...internals(server.server).connections]) conn.close(1001, 'restarting');
    await eventually(() => expect([text('state'), text('close'), text('retry')]).toEqual(['reconnecting', 'server-restart, retrying', 'scheduled']), 'reconnecting');
    (container.querySelector('[data-testid="now"]') as HTMLButtonElement).click();
    await eventually(() => expect(text('state')).toBe('open'), 'open again after retry now');
    expect(client.$connection.attempt).toBe(0);
  });
});

describe('useSubscription', () => {
  it('one wire subscription for three components with the same input under StrictMode; another input is another', async () => {
    const { server, client, render, text } = await setup();
    const wire = countActive(client);
    render(
      <>
        <Feed board="a" name="a1" />
        <Feed board="a" name="a2" />
        <Feed board="b" name="b1" />
        <Feed board="a" name="a3" />
      </>,
    );
    await eventually(() => expect([text('a1'), text('a2'), text('a3'), text('b1')]).toEqual(['live:', 'live:', 'live:', 'live:']), 'live');
    expect(server.counts.subscribes).toBe(2);
    expect(wire.active).toBe(2);
    await client.notes.add({ board: 'a', text: 'one' });
    await client.notes.add({ board: 'b', text: 'two' });
    await eventually(() => expect([text('a1'), text('a2'), text('a3'), text('b1')]).toEqual(['live:one', 'live:one', 'live:one', 'live:two']), 'events');
    expect(server.counts.subscribes).toBe(2);
  });

  it('unsubscribes after the last user leaves, subscribes again for a new one, and shows recovering then live', async () => {
    const { server, client, render, text } = await setup({ reconnect: { initialDelayMs: 1, maxDelayMs: 2 } });
    const wire = countActive(client);
    function Toggle() {
      const [shown, setShown] = useState(true);
      return (
        <>
          <button data-testid="toggle" onClick={() => setShown((s) => !s)} />
          {shown && <Feed board="t" name="t" />}
        </>
      );
    }
    render(<Toggle />);
    await eventually(() => expect(text('t')).toBe('live:'), 'live');
    const toggle = (): void => flushSync(() => (document.querySelector('[data-testid="toggle"]') as HTMLButtonElement).click());
    toggle();
    await eventually(() => expect(wire.active).toBe(0), 'unsubscribed');
    toggle();
    await eventually(() => expect(text('t')).toBe('live:'), 'live again');
    expect(server.counts.subscribes).toBe(2);
    expect(wire.active).toBe(1);
    const seen: string[] = [];
    const observer = new MutationObserver(() => seen.push(text('t')));
    observer.observe(document.body, { subtree: true, characterData: true, childList: true });
    for (const conn of [...internals(server.server).connections]) conn.close(1001, 'restarting');
    await eventually(() => expect(seen).toContain('recovering:'), 'recovering shown');
    await eventually(() => expect(text('t')).toBe('live:'), 'live after the resume');
    observer.disconnect();
  });
});

/** Counts the client's wire subscriptions of `notes.added` that are active (subscribed, not yet stopped). */
function countActive(client: ApiClient): { active: number } {
  const counter = { active: 0 };
  const caller = client.notes.added as { subscribe: ApiClient['notes']['added']['subscribe'] };
  const subscribe = caller.subscribe.bind(caller);
  caller.subscribe = (input, handlers) => {
    counter.active++;
    const sub = subscribe(input, handlers);
    let stopped = false;
    const stop = (): void => {
      if (!stopped) counter.active--;
      stopped = true;
      sub();
    };
    return Object.assign(stop, { unsubscribe: stop, get offset() {
      return sub.offset;
    } });
  };
  return counter;
}

describe('TanStack Query bindings', () => {
  it('queryOptions runs the procedure; an event updates the query data; a mutation shows its receipt stages', async () => {
    const { server, render, text, container } = await setup();
    function Board() {
      const q = useQueryUtils<Api>();
      const queryClient = useQueryClient();
      const list = useQuery(q.notes.list.queryOptions({ board: 'x' }));
      useSubscription((c: ApiClient) => c.notes.added, { board: 'x' }, {
        onData: (note) => queryClient.setQueryData(q.notes.list.queryKey({ board: 'x' }), (old) => (old?.some((n) => n.id === note.id) ? old : [...(old ?? []), note])),
      });
      const add = useCallMutation(q.notes.add.mutationOptions());
      return (
        <>
          <p data-testid="list">{list.isSuccess ? list.data.map((n) => n.text).join(',') || 'empty' : list.status}</p>
          <p data-testid="receipt">{`${add.receipt.stage}${add.receipt.id ? `#${add.receipt.id}` : ''}:${add.data?.text ?? ''}`}</p>
          <p data-testid="stages">{Object.keys(add.receipt.at).join('>')}</p>
          <button data-testid="add" onClick={() => add.mutate({ board: 'x', text: 'hello' })} />
        </>
      );
    }
    render(<Board />);
    await eventually(() => expect(text('list')).toBe('empty'), 'the list query');
    const release = server.hold();
    (container.querySelector('[data-testid="add"]') as HTMLButtonElement).click();
    await eventually(() => expect(text('receipt')).toMatch(/^received#\d+:$/), 'received, the handler held');
    release();
    await eventually(() => expect(text('receipt')).toMatch(/^done#\d+:hello$/), 'done');
    expect(text('stages')).toBe('sent>received>done');
    // The event put the note into the list's query data; the list query itself ran once.
    await eventually(() => expect(text('list')).toBe('hello'), 'the list updated by the event');
    expect(server.counts.lists).toBe(1);
    expect(server.counts.adds).toBe(1);
  });

  it('a mutation made while the server is unreachable is queued, then sent, received and done once', async () => {
    const { server, client, render, text, container } = await setup({ reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000, wakeJitterMs: 1 } });
    function Add() {
      const q = useQueryUtils<Api>();
      const add = useCallMutation(q.notes.add.mutationOptions());
      return (
        <>
          <p data-testid="receipt">{add.receipt.stage}</p>
          <p data-testid="stages">{Object.keys(add.receipt.at).join('>')}</p>
          <button data-testid="add" onClick={() => add.mutate({ board: 'q', text: 'later' })} />
        </>
      );
    }
    render(<Add />);
    await client.$ready();
    for (const conn of [...internals(server.server).connections]) conn.close(1001, 'restarting');
    await eventually(() => expect(client.$state).toBe('reconnecting'), 'reconnecting');
    (container.querySelector('[data-testid="add"]') as HTMLButtonElement).click();
    await eventually(() => expect(text('receipt')).toBe('queued'), 'queued');
    client.$reconnect();
    await eventually(() => expect(text('receipt')).toBe('done'), 'done');
    expect(text('stages')).toBe('queued>sent>received>done');
    expect(server.counts.adds).toBe(1);
  });
});

describe('useRecoveredCalls', () => {
  it('lists the calls from before the reload, pending, then with their outcomes', async () => {
    const { server, render, text } = await setup();
    const store = memoryStorage();
    // The page before the reload stored a call it never sent (made while offline).
    const before = await restoreClient(api, { url: 'ws://127.0.0.1:9/', storage: store, network: { online: false, watch: () => () => undefined } });
    before.notes.add({ board: 'r', text: 'from before' }).catch(() => undefined);
    await eventually(() => expect(store.state.calls).toHaveLength(1), 'stored');
    // The page is gone: `before` is never closed (closing would settle its call), and, offline, has no timer.
    const release = server.hold();
    const after = (await restoreClient(api, { url: server.url, storage: store })) as ApiClient;
    cleanups.push(() => after.$close());
    function Recovered() {
      const calls = useRecoveredCalls();
      return <p data-testid="recovered">{calls.map((c) => `${c.call.path}:${c.status}:${(c.output as { text?: string } | undefined)?.text ?? ''}`).join(',')}</p>;
    }
    function WithClient() {
      return (
        <AckwireProvider client={after}>
          <Recovered />
        </AckwireProvider>
      );
    }
    render(<WithClient />);
    expect(text('recovered')).toBe('notes.add:pending:');
    release();
    await eventually(() => expect(text('recovered')).toBe('notes.add:done:from before'), 'done');
    expect(server.counts.adds).toBe(1);
  });
});

describe('AckwireProvider with a factory', () => {
  it('under StrictMode makes one client, connects once, and closes it on unmount', async () => {
    const server = await startServer();
    cleanups.push(() => server.close());
    const container = document.createElement('div');
    document.body.append(container);
    const root = createRoot(container);
    let made: ApiClient[] = [];
    const factory = (): ApiClient => {
      const c = createClient(api, { url: server.url }) as ApiClient;
      made.push(c);
      return c;
    };
    function State() {
      return <p data-testid="state">{useConnection().state}</p>;
    }
    flushSync(() =>
      root.render(
        <StrictMode>
          <AckwireProvider client={factory}>
            <State />
          </AckwireProvider>
        </StrictMode>,
      ),
    );
    await eventually(() => expect(container.textContent).toBe('open'), 'open');
    expect(made).toHaveLength(1);
    expect(internals(server.server).connections.size).toBe(1);
    root.unmount();
    container.remove();
    await eventually(() => expect(made[0]!.$state).toBe('closed'), 'closed on unmount');
    made = [];
  });
});
