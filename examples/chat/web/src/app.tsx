/**
 * The page: join with a name, then the chat over one Ackwire client. The client keeps its session and its
 * unanswered calls in IndexedDB (restoreClient), so a message sent just before a reload is not lost or
 * doubled: the page that loads next re-sends it with its id and shows its outcome. A page that was in the
 * chat joins again by itself after a reload.
 */
import { api } from '@ackwire-example/chat-contract';
import { indexedDBStorage, restoreClient } from '@ackwire/client';
import { AckwireProvider, type ClientOf } from '@ackwire/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { Chat } from './chat.js';
import { Outbox } from './outbox.js';

type ChatClient = ClientOf<typeof api>;

const JOINED = 'chat-joined';
const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false } } });

function connect(name: string): Promise<ChatClient> {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  return restoreClient(api, { url, params: { name }, storage: indexedDBStorage({ name: 'chat' }) });
}

/**
 * One client for the page's life, made outside React's effects: StrictMode runs effects twice, and a
 * second restoreClient in the same tab would find the tab's storage slot taken, while closing the first
 * would settle (and forget) the calls it recovered. It is never closed: a page that goes away leaves its
 * unanswered calls to the next one.
 */
let current: { name: string; client: Promise<ChatClient> } | undefined;
function clientFor(name: string): Promise<ChatClient> {
  if (current?.name !== name) current = { name, client: connect(name) };
  return current.client;
}

export function App() {
  const [name, setName] = useState(() => sessionStorage.getItem(JOINED) ?? '');
  const [client, setClient] = useState<ChatClient>();
  const [outbox] = useState(() => new Outbox());
  const [draft, setDraft] = useState(() => localStorage.getItem('chat-name') ?? '');

  useEffect(() => {
    if (!name) return undefined;
    let live = true;
    void clientFor(name).then((c) => live && setClient(c));
    return () => {
      live = false;
    };
  }, [name]);

  const join = (event: FormEvent): void => {
    event.preventDefault();
    const trimmed = draft.trim();
    if (!trimmed) return;
    localStorage.setItem('chat-name', trimmed);
    sessionStorage.setItem(JOINED, trimmed);
    setName(trimmed);
  };

  if (!name) {
    return (
      <>
        <header>
          <h1>Ackwire chat</h1>
          <span id="state" data-state="idle">
            not connected
          </span>
        </header>
        <form id="join" onSubmit={join}>
          <label>
            Your name <input id="name" maxLength={32} autoComplete="nickname" required autoFocus value={draft} onChange={(e) => setDraft(e.target.value)} />
          </label>
          <button>Join</button>
        </form>
      </>
    );
  }
  if (!client) return <p id="state" data-state="restoring">restoring…</p>;
  return (
    <QueryClientProvider client={queryClient}>
      <AckwireProvider client={client}>
        <Chat name={name} outbox={outbox} />
      </AckwireProvider>
    </QueryClientProvider>
  );
}
