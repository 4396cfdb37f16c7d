/**
 * Credentials refreshed inside a live connection. An authenticate frame carries new connection params;
 * the server checks them with the `params` schema and rebuilds the context with `context`, as for a hello
 * (the upgrade request's headers, cookies and `auth` stay those of the upgrade). Calls and subscribes read
 * after the reply see the new context, and the credentials' new expiry applies. The reply carries the
 * frame's id: a result (`null`) on success, an error otherwise. A refused refresh changes nothing: the
 * connection keeps its current context until that one expires or is revoked.
 */
import { MessageType, encodeServerMessage, type AuthenticateMessage } from '@ackwire/core';
import type { ServerConnection } from './connection.js';
import { CredentialExpiry } from './expiry.js';
import { badRequestFrame, errorFrame, parseWith, thrownFrame } from './outcome.js';
import type { AckwireServer } from './server.js';

/** Connections with a refresh in progress: one at a time per connection. */
const busy = new WeakSet<ServerConnection>();

export async function reauthenticate(server: AckwireServer<any, any, any>, conn: ServerConnection, msg: AuthenticateMessage): Promise<void> {
  const { id } = msg;
  if (busy.has(conn)) return conn.send(errorFrame(id, 'CONFLICT', 'Another authentication is in progress', null, conn.codec));
  busy.add(conn);
  try {
    let params: unknown = msg.params;
    if (server.paramsSchema) {
      const parsed = await parseWith(server.paramsSchema, msg.params);
      if (!parsed.success) return conn.send(badRequestFrame(id, parsed.error, conn.codec, 'connection params'));
      params = parsed.data;
    }
    let ctx: unknown;
    try {
      ctx = await server.buildContext(conn.handshake, params);
    } catch (err) {
      return conn.send(thrownFrame(id, err, conn.codec, server.logger, 'context'));
    }
    const session = conn.session;
    if (!conn.isOpen || !session) return;
    const at = server.expiryOf(ctx);
    if (CredentialExpiry.passed(at)) return conn.send(errorFrame(id, 'UNAUTHORIZED', 'Credentials expired', null, conn.codec));
    conn.expiry.set(at);
    conn.ctx = ctx;
    server.noteOwner(session, ctx);
    conn.send(encodeServerMessage({ type: MessageType.RESULT, id, output: null }, conn.codec));
  } finally {
    busy.delete(conn);
  }
}
