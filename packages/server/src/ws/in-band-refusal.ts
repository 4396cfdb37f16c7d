/**
 * A refusal told in band (docs/protocol.md §3.1). A browser cannot read the HTTP status of a refused
 * upgrade, so for a client that offered the negotiation token the server completes the upgrade selecting
 * `ackwire`, a token that carries no protocol, and closes at once with the refusal's close code. The socket
 * is bound to no connection: it is sent nothing but the close frame, and whatever it sends is dropped unread.
 */
import { closeReason, refusalCloseCode } from '@ackwire/core';
import type { WebSocket } from 'ws';
import type { Refusal } from '../admission.js';

/** How long a refused peer has to answer the close frame before its TCP socket is dropped. */
const CLOSE_DEADLINE_MS = 5_000;

function terminate(ws: WebSocket): void {
  ws.terminate();
}

export function closeRefused(ws: WebSocket, refusal: Refusal): void {
  ws.close(refusal.closeCode ?? refusalCloseCode(refusal.status), closeReason(refusal.message));
  setTimeout(terminate, CLOSE_DEADLINE_MS, ws).unref?.();
}
