/**
 * Where the chat keeps the last messages of each room and numbers new ones: in the process's memory (one
 * server, `npm start`), or in Redis, shared by every node of `npm run cluster` (redis-history.ts).
 */
import type { Message, Room } from '@ackwire-example/chat-contract';

/** How many messages of a room are kept. */
export const HISTORY = 50;

export interface ChatHistory {
  /** Number a new message and keep it. */
  add(draft: Omit<Message, 'id'>): Promise<Message>;
  /** The room's latest messages, oldest first. */
  list(room: Room): Promise<Message[]>;
}

export function memoryHistory(): ChatHistory {
  const rooms = new Map<Room, Message[]>();
  let lastId = 0;
  return {
    add: async (draft) => {
      const message: Message = { id: ++lastId, ...draft };
      rooms.set(draft.room, [...(rooms.get(draft.room) ?? []), message].slice(-HISTORY));
      return message;
    },
    list: async (room) => rooms.get(room) ?? [],
  };
}
