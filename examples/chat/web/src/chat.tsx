/** The chat once joined: the connection bar, the room picker, the room, the composer and the outbox. */
import { ROOMS, Room } from '@ackwire-example/chat-contract';
import { useEffect, useState, useSyncExternalStore, type FormEvent } from 'react';
import { ConnectionBar } from './connection-bar.js';
import { chat } from './hooks.js';
import type { Outbox } from './outbox.js';
import { RoomView } from './room.js';

export function Chat({ name, outbox }: { name: string; outbox: Outbox }) {
  const client = chat.useClient();
  const [room, setRoom] = useState<Room>(ROOMS[0]);
  const [session, setSession] = useState('');
  const [text, setText] = useState('');
  useSyncExternalStore(outbox.watch, outbox.read);

  useEffect(() => {
    if (!client) return undefined;
    // Calls made before a reload run again; their outcomes are shown like any message sent from here.
    outbox.recover(client.$recovered, name);
    const offSession = client.$on('session', ({ sessionId, resumed }) => setSession(`${resumed ? 'resumed' : 'new'} session ${sessionId.slice(0, 8)}`));
    const offState = client.$on('state', (state) => {
      if (state === 'open') outbox.connected();
    });
    return () => {
      offSession();
      offState();
    };
  }, [client]);

  const send = (event: FormEvent): void => {
    event.preventDefault();
    const trimmed = text.trim();
    if (!trimmed || !client) return;
    setText('');
    const open = client.$state === 'open';
    outbox.track(client.chat.send({ room, text: trimmed }), room, name, trimmed, open ? { status: 'sent', note: 'sent' } : { status: 'queued', note: 'queued until reconnected' });
  };

  const waiting = outbox.waiting;
  return (
    <>
      <ConnectionBar session={session} />
      <main id="chat">
        <label>
          Room{' '}
          <select id="room" value={room} onChange={(e) => setRoom(Room.parse(e.target.value))}>
            {ROOMS.map((r) => (
              <option key={r} value={r}>
                #{r}
              </option>
            ))}
          </select>
        </label>
        <RoomView room={room} outbox={outbox} />
        <form id="composer" onSubmit={send}>
          <input id="text" maxLength={500} placeholder="Message" autoComplete="off" value={text} onChange={(e) => setText(e.target.value)} />
          <button>Send</button>
        </form>
        <small id="outbox" data-waiting={waiting}>
          {waiting > 0 ? `${waiting} message${waiting === 1 ? '' : 's'} waiting for the connection` : ''}
        </small>
      </main>
    </>
  );
}
