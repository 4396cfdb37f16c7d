/**
 * The chat's Ackwire server: handlers for the contract, and the last messages of each room (in memory by
 * default; in Redis when the chat runs on several nodes).
 */
import { api, type Message } from '@ackwire-example/chat-contract';
import { createServer, type Broker, type SessionStore } from '@ackwire/server';
import { memoryHistory, type ChatHistory } from './history.js';

export interface ChatOptions {
  /** Where messages are published (default: in memory). */
  broker?: Broker;
  /** Where sessions and call outcomes live (default: in memory). */
  sessionStore?: SessionStore;
  history?: ChatHistory;
}

export function createChatServer({ broker, sessionStore, history = memoryHistory() }: ChatOptions = {}) {
  // Pages from other sites are refused by the server's default origin policy ('same-origin').
  const server = createServer(api).implement({
    ...(broker ? { broker } : {}),
    ...(sessionStore ? { sessionStore } : {}),
    // Runs on every hello, with the params the contract's schema parsed: the handlers' ctx is what it returns.
    context: ({ params }) => ({ name: params.name }),
    handlers: {
      chat: {
        // A retried call (same id, after a reconnect) does not run again: the server answers it with the
        // stored result, so a message is never posted twice.
        send: async ({ room, text }, { ctx }) => {
          const message: Message = await history.add({ room, author: ctx.name, text, at: new Date() });
          await server.publish(api.chat.messages, room, message);
          return message;
        },
        history: ({ room }) => history.list(room),
        messages: ({ room }) => room,
      },
    },
  });
  return server;
}
