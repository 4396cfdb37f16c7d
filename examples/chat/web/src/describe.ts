/** Words for users: the connection's state and why it closed, never a raw close code. */
import type { AckwireError, CloseKind, ConnectionInfo } from '@ackwire/client';

const WHY: Record<CloseKind, string> = {
  'client-closed': 'closed',
  network: 'the connection was lost',
  'server-restart': 'the server is restarting',
  timeout: 'the server stopped answering',
  'rate-limited': 'the server is busy (too many connections or messages)',
  unavailable: 'the server is at capacity',
  unauthorized: 'you are not signed in',
  forbidden: 'you are not allowed in',
  'not-found': 'there is no chat at this address',
  incompatible: 'this page is out of date; reload it',
  replaced: 'the chat was opened elsewhere',
  'protocol-error': 'something went wrong',
  'server-error': 'the server had a problem',
  other: 'the connection closed',
};

export function describeClose(kind: CloseKind): string {
  return WHY[kind];
}

/** One line for the header, e.g. "reconnecting in 3 s: the server is restarting". */
export function describeConnection(info: ConnectionInfo, now: number): string {
  switch (info.state) {
    case 'open':
      return 'connected';
    case 'connecting':
      return info.waitingForNetwork ? 'offline: waiting for the network' : 'connecting…';
    case 'reconnecting': {
      const why = info.lastClose ? `: ${describeClose(info.lastClose.kind)}` : '';
      if (info.waitingForNetwork) return `offline: waiting for the network${why}`;
      if (info.retryAt === undefined) return `reconnecting…${why}`;
      return `reconnecting in ${Math.max(1, Math.ceil((info.retryAt - now) / 1000))} s${why}`;
    }
    case 'closed':
      return 'disconnected';
  }
}

/** An error for users: its message, without codes; a schema's refusal (BAD_REQUEST) says which field and why. */
export function describeError(error: AckwireError): string {
  const issues = (error.data as { issues?: Array<{ path: unknown[]; message: string }> } | undefined)?.issues ?? [];
  const why = issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ');
  return why ? `${error.message}: ${why}` : error.message;
}
