/**
 * The message list. Every message is an <li> keyed by its id; a message sent from this page is shown at
 * once and then walks through its receipts: sent, received by the server, stored (the call's result),
 * echoed (the room's subscription delivered it back).
 */
import type { Message } from '@ackwire-example/chat-contract';

export type Status = 'queued' | 'sent' | 'received' | 'stored' | 'echoed' | 'failed';

export interface Outgoing {
  /** Record a receipt: the status and a line for the receipt trail. */
  step(status: Status, note: string): void;
  /** The call's result: the message as stored by the server. */
  stored(message: Message, note: string): void;
}

export class MessageList {
  private readonly byId = new Map<number, HTMLLIElement>();
  /** Messages sent from here whose echo has not arrived yet, by id. */
  private readonly awaitingEcho = new Map<number, Outgoing>();
  /** Counts sessions: ids from an earlier session may come from a server that has since restarted. */
  private session = 0;

  constructor(private readonly ul: HTMLUListElement) {}

  clear(): void {
    this.byId.clear();
    this.awaitingEcho.clear();
    this.ul.replaceChildren();
  }

  /** The client started a new session (not a resumed one). */
  newSession(): void {
    this.session++;
  }

  /**
   * The room's subscription reported a gap: drop what was shown before this session (the history reload
   * that follows brings back what the server still has). Messages still on their way stay.
   */
  dropEarlierSessions(): void {
    for (const [id, li] of this.byId) {
      if (Number(li.dataset.session) === this.session) continue;
      li.remove();
      this.byId.delete(id);
      this.awaitingEcho.delete(id);
    }
  }

  /** A message from the server: an event of the room's subscription, or history. Known ids are skipped. */
  show(message: Message, from: 'event' | 'history'): void {
    const echoed = this.awaitingEcho.get(message.id);
    if (echoed && from === 'event') {
      this.awaitingEcho.delete(message.id);
      echoed.step('echoed', `echoed to #${message.room}`);
    }
    if (this.byId.has(message.id)) return;
    const li = item(message.author, message.text);
    li.dataset.from = from;
    this.place(li, message);
    // Keep ids in order, above the messages still on their way.
    const next = Array.from(this.ul.children).find((c) => !(c instanceof HTMLElement) || !c.dataset.id || Number(c.dataset.id) > message.id);
    this.ul.insertBefore(li, next ?? null);
    li.scrollIntoView({ block: 'nearest' });
  }

  /** A message this page is sending. */
  outgoing(author: string, text: string, started: number): Outgoing {
    const li = item(author, text);
    li.classList.add('mine');
    const receipt = li.appendChild(document.createElement('small'));
    receipt.className = 'receipt';
    const trail: string[] = [];
    const since = (): string => `${Math.round(performance.now() - started)} ms`;
    const out: Outgoing = {
      step: (status, note) => {
        li.dataset.status = status;
        trail.push(status === 'queued' || status === 'sent' || status === 'failed' ? note : `${note} · ${since()}`);
        receipt.textContent = trail.join(' → ');
      },
      stored: (message, note) => {
        // The message may be shown already (its echo or the history came first): this line takes its place.
        const shown = this.byId.get(message.id);
        this.place(li, message);
        out.step('stored', note);
        if (shown && shown !== li) shown.remove();
        if (shown?.dataset.from === 'event') out.step('echoed', `echoed to #${message.room}`);
        else this.awaitingEcho.set(message.id, out);
      },
    };
    this.ul.append(li);
    li.scrollIntoView({ block: 'nearest' });
    return out;
  }

  private place(li: HTMLLIElement, message: Message): void {
    li.dataset.id = String(message.id);
    li.dataset.session = String(this.session);
    const time = li.querySelector('time')!;
    time.dateTime = message.at.toISOString();
    time.textContent = message.at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    this.byId.set(message.id, li);
  }
}

function item(author: string, text: string): HTMLLIElement {
  const li = document.createElement('li');
  const head = li.appendChild(document.createElement('div'));
  head.className = 'head';
  const who = head.appendChild(document.createElement('b'));
  who.className = 'author';
  who.textContent = author;
  head.appendChild(document.createElement('time'));
  const body = li.appendChild(document.createElement('p'));
  body.className = 'text';
  body.textContent = text;
  return li;
}
