/**
 * What a runtime binding (the `ws` one in ws/, or any other) needs from the server core: the upgrade-time
 * checks, the subprotocols, the heartbeat interval, and `accept` for a socket that was upgraded.
 */
import type { Admission } from './admission.js';
import type { Connection } from './connection.js';
import type { Handshake } from './handshake.js';
import type { Logger } from './options.js';
import type { RefusalLog } from './refusal-log.js';
import type { WireSocket } from './socket.js';
import type { Subprotocol } from '@ackwire/core';

/** Something the server closes when it closes (a listener). */
export interface Closable {
  close(): Promise<void>;
}

export interface Gateway {
  readonly admission: Admission;
  readonly subprotocols: readonly Subprotocol[];
  /** The server drains (drain.ts): the binding refuses upgrades, telling the client to go elsewhere (1012). */
  readonly draining: boolean;
  /** Interval of the binding's pings, in ms; 0 for none. */
  readonly heartbeatMs: number;
  readonly logger: Logger;
  /** Rate-limited warnings for refused upgrades. */
  readonly refusals: RefusalLog;
  accept(socket: WireSocket, handshake: Handshake): Connection;
  /** Close `listener` when the server closes. */
  track<L extends Closable>(listener: L): L;
}
