/**
 * The connection's dead-peer clock, for both directions with the same bounds: a server silent for `idleMs`
 * is pinged, and dropped after `timeoutMs` more; and a frame written that has not been proven read for
 * `idleMs` (a server that keeps sending events proves nothing about the other direction) is followed by a
 * ping, and the connection dropped if its pong is `timeoutMs` late. One shared timer per period checks
 * every connection of the process.
 */
import type { HeartbeatOptions } from './options.js';
import { SharedInterval } from './shared-timers.js';

/** What the shared timer checks: the connection, which acts on `Heartbeat.verdict`. */
export interface HeartbeatTarget {
  checkHeartbeat(): void;
}

/** One heartbeat timer per period for every connection in the process. */
const timers = new Map<number, SharedInterval<HeartbeatTarget>>();
const check = (target: HeartbeatTarget): void => target.checkHeartbeat();

export class Heartbeat {
  #timer: SharedInterval<HeartbeatTarget> | undefined;
  #lastSeen = 0;
  #pinged = false;
  /** When the first frame written and not yet proven read was written (0: none), and when the probe ping
   * proving it went out, with the first write after it. */
  #unproven = 0;
  #probeAt = 0;
  #unprovenAfterProbe = 0;

  readonly #options: Readonly<HeartbeatOptions>;
  constructor(options: Readonly<HeartbeatOptions>) {
    this.#options = options;
  }

  /** A socket is being opened: the clock runs from now (an opening handshake that never completes is
   * dropped after idleMs + timeoutMs too). */
  start(target: HeartbeatTarget): void {
    this.#lastSeen = Date.now();
    this.#pinged = false;
    this.#unproven = this.#probeAt = this.#unprovenAfterProbe = 0;
    const { idleMs, timeoutMs } = this.#options;
    if (idleMs <= 0) return;
    const period = Math.max(50, Math.min(idleMs, timeoutMs) / 2);
    let shared = timers.get(period);
    if (!shared) timers.set(period, (shared = new SharedInterval(period, check)));
    this.#timer = shared;
    shared.add(target);
  }

  stop(target: HeartbeatTarget): void {
    this.#timer?.delete(target);
    this.#timer = undefined;
  }

  /** The server was heard from. */
  seen(): void {
    this.#lastSeen = Date.now();
    this.#pinged = false;
  }

  /** A frame was written: start the outgoing direction's clock unless it runs. */
  wrote(): void {
    if (this.#probeAt !== 0) {
      if (this.#unprovenAfterProbe === 0) this.#unprovenAfterProbe = Date.now();
    } else if (this.#unproven === 0) this.#unproven = Date.now();
  }

  /** A probe ping is being written. */
  probed(): void {
    this.#pinged = true;
    this.#probeAt = Date.now();
    this.#unprovenAfterProbe = 0;
  }

  /** A pong: frames arrive in order, so everything written before the probe was read. */
  ponged(): void {
    this.#probeAt = 0;
    this.#unproven = this.#unprovenAfterProbe;
    this.#unprovenAfterProbe = 0;
  }

  /**
   * What the connection should do now: drop it (the reason), send a probe ping, or nothing. `canPing`: the
   * socket is open with a codec; `welcomed`: written frames are answered (before the welcome they are held).
   */
  verdict(canPing: boolean, welcomed: boolean): string | 'probe' | undefined {
    const { idleMs, timeoutMs } = this.#options;
    const now = Date.now();
    const silence = now - this.#lastSeen;
    if (silence > idleMs + timeoutMs) return 'server did not answer';
    if (this.#probeAt !== 0 && now - this.#probeAt >= timeoutMs) return 'server did not answer a ping';
    if (!canPing || this.#probeAt !== 0) return undefined;
    if ((silence > idleMs && !this.#pinged) || (this.#unproven !== 0 && welcomed && now - this.#unproven >= idleMs)) return 'probe';
    return undefined;
  }
}
