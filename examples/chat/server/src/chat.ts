/**
 * The chat's Ackwire server: handlers for the contract, and the last messages of each room in memory.
 */
import { api, Params, type Message, type Room } from '@ackwire-example/chat-contract';
import { AckwireError, createServer, type ConnectionInfo } from '@ackwire/server';

const HISTORY = 50;

export function createChatServer() {
  const rooms = new Map<Room, Message[]>();
  let lastId = 0;

  const server = createServer(api, {
    params: Params,
    // Runs on every hello. Browsers send an Origin header: refuse pages from other sites, so that they
    // cannot talk to this server with the visitor's cookies (cross-site WebSocket hijacking).
    // (The annotation lets TypeScript infer the context type that the handlers receive.)
    context: ({ params, origin, headers }: ConnectionInfo<Params>) => {
      if (origin !== undefined && hostOf(origin) !== headers.host) {
        throw new AckwireError('FORBIDDEN', 'Cross-origin connections are not allowed');
      }
      return { name: params.name };
    },
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

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
