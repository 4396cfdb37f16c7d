/** The room's messages: history and events by id, with this page's own messages and their receipts. */
import type { Message } from '@ackwire-example/chat-contract';
import type { Outgoing } from './outbox.js';

const time = (at: Date): string => at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

function Item({ author, text, at, id, mine }: { author: string; text: string; at: Date | undefined; id: number | undefined; mine: Outgoing | undefined }) {
  return (
    <li className={mine ? 'mine' : undefined} data-id={id} data-status={mine?.status}>
      <div className="head">
        <b className="author">{author}</b>
        <time dateTime={at?.toISOString()}>{at ? time(at) : ''}</time>
      </div>
      <p className="text">{text}</p>
      {mine ? <small className="receipt">{mine.trail}</small> : null}
    </li>
  );
}

export function Messages({ messages, outgoing }: { messages: readonly Message[]; outgoing: readonly Outgoing[] }) {
  const mineById = new Map(outgoing.flatMap((o) => (o.message ? [[o.message.id, o] as const] : [])));
  const shown = new Set(messages.map((m) => m.id));
  // Our stored messages the list does not have yet (their echo is on its way), then those still unanswered.
  const pending = outgoing.filter((o) => !o.message || !shown.has(o.message.id));
  return (
    <ul id="messages">
      {messages.map((m) => (
        <Item key={`m${m.id}`} author={m.author} text={m.text} at={m.at} id={m.id} mine={mineById.get(m.id)} />
      ))}
      {pending.map((o) => (
        <Item key={`o${o.key}`} author={o.author} text={o.text} at={o.message?.at} id={o.message?.id} mine={o} />
      ))}
    </ul>
  );
}
