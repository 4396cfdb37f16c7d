/** The hooks, typed by the chat's contract once. */
import type { api } from '@ackwire-example/chat-contract';
import { createAckwireHooks } from '@ackwire/react';

export const chat = createAckwireHooks<typeof api>();
