/** The chat page: join with a name, pick a room, read and send messages over one Ackwire client. */
import './jitless.js';
import { api, ROOMS, Room } from '@ackwire-example/chat-contract';
import { createClient, type AckwireError, type ConnectionState, type Subscription } from '@ackwire/client';
import { MessageList } from './view.js';

const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const joinForm = byId<HTMLFormElement>('join');
const nameInput = byId<HTMLInputElement>('name');
const chat = byId<HTMLElement>('chat');
const roomSelect = byId<HTMLSelectElement>('room');
const composer = byId<HTMLFormElement>('composer');
const textInput = byId<HTMLInputElement>('text');
const stateEl = byId<HTMLElement>('state');
const sessionEl = byId<HTMLElement>('session');
const roomStateEl = byId<HTMLElement>('room-state');
const noticeEl = byId<HTMLElement>('notice');
const list = new MessageList(byId<HTMLUListElement>('messages'));

for (const room of ROOMS) roomSelect.add(new Option(`#${room}`, room));
nameInput.value = localStorage.getItem('chat-name') ?? '';

joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const name = nameInput.value.trim();
  if (!name) return;
  localStorage.setItem('chat-name', name);
  joinForm.hidden = true;
  chat.hidden = false;
  start(name);
});

function start(name: string): void {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  const client = createClient(api, { url, params: { name } });
  const showState = (state: ConnectionState): void => {
    stateEl.textContent = state;
    stateEl.dataset.state = state;
    if (state === 'open') noticeEl.hidden = true;
  };
  showState(client.$state);
  client.$on('state', showState);
  client.$on('session', ({ sessionId, resumed }) => {
    if (!resumed) list.newSession();
    sessionEl.textContent = `${resumed ? 'resumed' : 'new'} session ${sessionId.slice(0, 8)}`;
  });
  let room: Room = ROOMS[0];
  client.$on('close', ({ code, willRetry }) => {
    if (!willRetry) return;
    notice(`Connection lost (${code}), reconnecting. Messages you send now are queued.`);
    showRoomState(room, 'joining');
  });
  client.$on('error', (error) => notice(`Disconnected: ${describe(error)}`));

  let subscription: Subscription | undefined;
  const enter = (next: Room): void => {
    subscription?.();
    list.clear();
    room = next;
    showRoomState(next, 'joining');
    const loadHistory = (): void => {
      client.chat.history({ room: next }).then(
        (messages) => {
          if (room === next) for (const m of messages) list.show(m, 'history');
        },
        (error: AckwireError) => notice(`History: ${describe(error)}`),
      );
    };
    subscription = client.chat.messages.subscribe(
      { room: next },
      {
        onData: (message) => list.show(message, 'event'),
        // Subscribed first, then history: nothing falls between the two. After a reconnect the
        // subscription resumes where it was; if the server could not replay what was missed, it says so.
        onStarted: ({ resumed, recovered }) => {
          showRoomState(next, 'live');
          if (!recovered) {
            notice('Some messages were missed while disconnected; reloading the room.');
            list.dropEarlierSessions();
          }
          if (!resumed || !recovered) loadHistory();
        },
        onError: (error) => notice(`#${next}: ${describe(error)}`),
      },
    );
  };
  roomSelect.addEventListener('change', () => enter(Room.parse(roomSelect.value)));
  enter(room);

  composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = textInput.value.trim();
    if (!text) return;
    textInput.value = '';
    const out = list.outgoing(name, text, performance.now());
    out.step(client.$state === 'open' ? 'sent' : 'queued', client.$state === 'open' ? 'sent' : 'queued until reconnected');
    const call = client.chat.send({ room, text });
    call.received.then(
      () => out.step('received', 'received by server'),
      () => undefined,
    );
    call.then(
      (message) => out.stored(message, `stored as #${message.id}`),
      (error: AckwireError) => out.step('failed', `failed: ${describe(error)}`),
    );
  });
}

function showRoomState(room: Room, state: 'joining' | 'live'): void {
  roomStateEl.textContent = state;
  roomStateEl.dataset.room = room;
  roomStateEl.dataset.state = state;
}

function describe(error: AckwireError): string {
  return `${error.message} (${error.code})`;
}

function notice(text: string): void {
  noticeEl.textContent = text;
  noticeEl.hidden = false;
}
