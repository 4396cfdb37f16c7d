/** The chat's history in Redis, for several nodes: ids from one counter, each room a capped list. */
import type { Message, Room } from '@ackwire-example/chat-contract';
import { HISTORY, type ChatHistory } from './history.js';

/** The commands used, as a node-redis client has them. */
export interface HistoryRedis {
  incr(key: string): Promise<number>;
  rPush(key: string, value: string): Promise<number>;
  lTrim(key: string, start: number, stop: number): Promise<unknown>;
  lRange(key: string, start: number, stop: number): Promise<string[]>;
}

export function redisHistory(redis: HistoryRedis, prefix = 'chat:'): ChatHistory {
  const roomKey = (room: Room) => `${prefix}room:${room}`;
  return {
    add: async (draft) => {
      const message: Message = { id: await redis.incr(`${prefix}lastId`), ...draft };
      await redis.rPush(roomKey(draft.room), JSON.stringify(message));
      await redis.lTrim(roomKey(draft.room), -HISTORY, -1);
      return message;
    },
    list: async (room) => {
      const items = await redis.lRange(roomKey(room), 0, -1);
      return items.map((item) => {
        const m = JSON.parse(item) as Omit<Message, 'at'> & { at: string };
        return { ...m, at: new Date(m.at) };
      });
    },
  };
}
