/**
 * The chat's Ackwire server: handlers for the contract, and the last messages of each room in memory.
 */
import { api, type Message, type Room } from '@ackwire-example/chat-contract';
import { createServer } from '@ackwire/server';

const HISTORY = 50;

export function createChatServer() {
  const rooms = new Map<Room, Message[]>();
  let lastId = 0;

  // Pages from other sites are refused by the server's default origin policy ('same-origin').
  const server = createServer(api).implement({
    // Runs on every hello, with the params the contract's schema parsed: the handlers' ctx is what it returns.
    context: ({ params }) => ({ name: params.name }),
    handlers: {
      chat: {
        // A retried call (same id, after a reconnect) does not run again: the server answers it with the
        // stored result, so a message is never posted twice.
        send: async ({ room, text }, { ctx }) => {
          const message: Message = { id: ++lastId, room, author: ctx.name, text, at: new Date() };
          const kept = rooms.get(room) ?? [];
          kept.push(message);
          rooms.set(room, kept.slice(-HISTORY));
          await server.publish(api.chat.messages, room, message);
          return message;
        },
        history: ({ room }) => rooms.get(room) ?? [],
        messages: ({ room }) => room,
      },
    },
  });
  return server;
}
