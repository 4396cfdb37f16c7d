/**
 * The chat's contract, shared by the server and the web app. Zod schemas on both sides: the server
 * validates inputs and outputs, the client validates results and events.
 */
import { contract, procedure, subscription } from '@ackwire/core';
import * as z from 'zod';

export const ROOMS = ['general', 'random', 'help'] as const;
export const Room = z.enum(ROOMS);
export type Room = z.infer<typeof Room>;

/** Connection params: what the client sends in its hello. */
export const Params = z.object({ name: z.string().trim().min(1).max(32) });
export type Params = z.infer<typeof Params>;

export const Message = z.object({
  id: z.number().int().positive(),
  room: Room,
  author: z.string(),
  text: z.string(),
  /** A real Date on both ends: superjson carries it. */
  at: z.date(),
});
export type Message = z.infer<typeof Message>;

export const api = contract({
  chat: {
    /** Post to a room; the message also goes to every subscriber of the room. */
    send: procedure({ input: z.object({ room: Room, text: z.string().trim().min(1).max(500) }), output: Message }),
    /** The room's latest messages, oldest first. */
    history: procedure({ input: z.object({ room: Room }), output: z.array(Message), idempotent: true }),
    /** Messages posted to a room from now on. */
    messages: subscription({ input: z.object({ room: Room }), event: Message }),
  },
}, { params: Params });
export type Api = typeof api;
