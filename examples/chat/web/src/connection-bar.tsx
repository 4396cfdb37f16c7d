/** The header's connection line: state in words, the session, a "retry now" control, a stop notice. */
import { useConnection } from '@ackwire/react';
import { useEffect, useState } from 'react';
import { describeClose, describeConnection, describeError } from './describe.js';

export function ConnectionBar({ session }: { session: string }) {
  const connection = useConnection();
  // The countdown to the next attempt is redrawn every second while one is scheduled.
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (connection.retryAt === undefined) return undefined;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [connection.retryAt]);
  const waiting = connection.state === 'reconnecting' || connection.state === 'connecting';
  return (
    <header>
      <h1>Ackwire chat</h1>
      <span id="state" data-state={connection.state} data-close={connection.lastClose?.kind ?? ''} data-retry-at={connection.retryAt}>
        {describeConnection(connection, now)}
      </span>
      {waiting && connection.lastClose ? (
        <button id="retry" type="button" onClick={() => connection.reconnect()}>
          Retry now
        </button>
      ) : null}
      <small id="session">{session}</small>
      {connection.state === 'closed' && connection.error ? (
        <p id="stopped" role="alert" data-kind={connection.lastClose?.kind ?? ''}>
          {connection.lastClose ? `Disconnected: ${describeClose(connection.lastClose.kind)} (${describeError(connection.error)})` : `Disconnected: ${describeError(connection.error)}`}
        </p>
      ) : null}
    </header>
  );
}
