/**
 * One room: its subscription (shared, keyed by room), its history through TanStack Query, events merged into
 * the query's data, and the gap notice: when the subscription reports missed messages, the room is
 * reloaded and the notice goes once the reload is done.
 */
import { api, type Message, type Room } from '@ackwire-example/chat-contract';
import { useQueryUtils } from '@ackwire/react/query';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { chat } from './hooks.js';
import { Messages } from './messages.js';
import type { Outbox } from './outbox.js';

/** Messages by id, in id order. */
function merge(a: readonly Message[], b: readonly Message[]): Message[] {
  const byId = new Map<number, Message>();
  for (const m of a) byId.set(m.id, m);
  for (const m of b) byId.set(m.id, m);
  return [...byId.values()].sort((x, y) => x.id - y.id);
}

export function RoomView({ room, outbox }: { room: Room; outbox: Outbox }) {
  const q = useQueryUtils<typeof api>();
  const queryClient = useQueryClient();
  const key = q.chat.history.queryKey({ room });
  const feed = chat.useSubscription((c) => c.chat.messages, { room }, {
    onData: (message) => {
      queryClient.setQueryData(key, (old) => merge(old ?? [], [message]));
      outbox.echoed(message);
    },
  });
  const base = q.chat.history.queryOptions({ room });
  // Subscribed first, then history: nothing falls between the two; events that came first are kept.
  const history = useQuery({
    ...base,
    enabled: feed.status === 'live',
    staleTime: Infinity,
    queryFn: async (context) => {
      const fetched = await base.queryFn(context);
      // A message of ours published before the subscription started comes back in the history, not as an
      // event (a call recovered after a reload goes out before the new page subscribes): it is shown, so
      // it is echoed.
      for (const message of fetched) outbox.echoed(message);
      return merge(fetched, queryClient.getQueryData(key) ?? []);
    },
  });

  // A gap: what is shown may miss messages, and may hold some of a server that restarted since. Reload.
  const [gaps, setGaps] = useState(0);
  const gap = feed.gap;
  useEffect(() => {
    if (!gap) return;
    let current = true;
    void queryClient.resetQueries({ queryKey: key }).then(() => {
      if (!current) return;
      setGaps((n) => n + 1);
      feed.clearGap();
    });
    return () => {
      current = false;
    };
    // `key` is derived from `room`.
  }, [gap, room]);

  const outgoing = useSyncExternalStore(outbox.watch, outbox.read).filter((o) => o.room === room);
  const roomState = feed.status === 'live' ? 'live' : feed.status === 'recovering' ? 'recovering' : 'joining';
  return (
    <>
      <small id="room-state" data-room={room} data-state={roomState}>
        {roomState}
      </small>
      {gap ? (
        <p id="notice" role="status">
          Some messages were missed while disconnected; reloading the room.
        </p>
      ) : null}
      {feed.error ? (
        <p id="room-error" role="alert">
          #{room}: {feed.error.message}
        </p>
      ) : null}
      <div data-gaps={gaps} id="room-body" data-history={history.status}>
        <Messages messages={history.data ?? []} outgoing={outgoing} />
      </div>
    </>
  );
}
