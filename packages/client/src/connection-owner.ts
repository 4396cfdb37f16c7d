/**
 * What the connection asks of its owner (the client): it hands over decoded frames and state changes, and
 * asks whether anything is waiting for it. The connection knows nothing of calls or subscriptions.
 */
import type { AckwireError, ServerMessage, WelcomeMessage } from '@ackwire/core';
import type { CloseInfo, ConnectionState } from './types.js';

export interface ConnectionOwner {
  /** The hello was answered: the connection is open. */
  opened(welcome: WelcomeMessage): void;
  /** Requests may be written before the welcome (a new session's connection is up). */
  writable(): void;
  /** A frame other than welcome/ping/pong arrived. */
  frame(msg: ServerMessage): void;
  /** The connection is gone; `error` is set when the client stops for good. */
  down(error: AckwireError | undefined): void;
  state(state: ConnectionState): void;
  closed(info: CloseInfo): void;
  /** Whether calls, subscriptions, `$ready()` or `$authenticate` are waiting for the connection. */
  busy(): boolean;
  /** Something in `Connection.info` changed (state, last close, next attempt). */
  changed(): void;
}
