/**
 * Credentials refreshed inside a live connection. An authenticate frame carries new connection params;
 * they go through the same pipeline as a hello's (credentials.ts: the `params` schema, `context`,
 * `expiresAt`; the upgrade request's headers, cookies and `auth` stay those of the upgrade). Calls and
 * subscribes read after the reply see the new context, and the credentials' new expiry applies. The reply
 * carries the frame's id: a result (`null`) on success, an error otherwise. A refused refresh changes
 * nothing: the connection keeps its current context until that one expires or is revoked.
 */
import { MessageType, encodeServerMessage, type AuthenticateMessage } from '@ackwire/core';
import { CredentialExpiry } from './expiry.js';
import type { CredentialHost } from './hello.js';
import { badRequestFrame, errorFrame, thrownFrame } from './outcome.js';

/** Connections with a refresh in progress: one at a time per connection. */
const busy = new WeakSet<CredentialHost>();

export function reauthenticate(conn: CredentialHost, msg: AuthenticateMessage): void {
  const { id } = msg;
  if (busy.has(conn)) return conn.send(errorFrame(id, 'CONFLICT', 'Another authentication is in progress', null, conn.codec));
  busy.add(conn);
  void refresh(conn, msg).finally(() => busy.delete(conn));
}

async function refresh(conn: CredentialHost, msg: AuthenticateMessage): Promise<void> {
  const { id } = msg;
  const credentials = conn.runtime.credentials;
  let established;
  try {
    established = await credentials.establish(conn.handshake, msg.params, () => conn.isOpen);
  } catch (err) {
    return conn.send(thrownFrame(id, err, conn.codec, conn.runtime.logger, 'context'));
  }
  if (!established.ok) {
    if (established.invalid) conn.send(badRequestFrame(id, established.invalid, conn.codec, 'connection params'));
    return;
  }
  const session = conn.session;
  if (!conn.isOpen || !session) return;
  const ctx = established.ctx;
  const at = credentials.expiryOf(ctx);
  if (CredentialExpiry.passed(at)) return conn.send(errorFrame(id, 'UNAUTHORIZED', 'Credentials expired', null, conn.codec));
  conn.expiry.set(at);
  conn.ctx = ctx;
  credentials.own(session, ctx);
  conn.send(encodeServerMessage({ type: MessageType.RESULT, id, output: null }, conn.codec));
}
