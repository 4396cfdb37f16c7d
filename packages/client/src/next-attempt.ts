/**
 * The connection's next attempt: its timer and when it fires, or that it waits for the network to come
 * back; and the network and visibility signals that bring it forward (network.ts).
 */
import type { NetworkSignals, NetworkWake } from './network.js';

export class NextAttempt {
  /** When the timer fires (ms since the epoch). */
  at: number | undefined;
  /** The attempt waits for the browser to be online again. */
  waitingForNetwork = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #unwatch: (() => void) | undefined;

  readonly #network: NetworkSignals | undefined;
  /** Open a socket now. */
  readonly #run: () => void;
  /** `at` or `waitingForNetwork` changed. */
  readonly #changed: () => void;
  constructor(network: NetworkSignals | undefined, run: () => void, changed: () => void) {
    this.#network = network;
    this.#run = run;
    this.#changed = changed;
  }

  /** A timer runs or the network is awaited: there is an attempt to bring forward. */
  get pending(): boolean {
    return this.#timer !== undefined || this.waitingForNetwork;
  }

  get timed(): boolean {
    return this.#timer !== undefined;
  }

  /** Listen to the network signals (once; until `stop`). */
  watch(wake: (why: NetworkWake) => void): void {
    if (this.#network && !this.#unwatch) this.#unwatch = this.#network.watch(wake);
  }

  /** True, and the attempt waits for `online`, when the runtime knows it is offline. */
  offline(): boolean {
    if (!this.#network || this.#network.online) return false;
    this.cancel();
    this.waitingForNetwork = true;
    this.#changed();
    return true;
  }

  schedule(delay: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.waitingForNetwork = false;
    this.at = Date.now() + delay;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.at = undefined;
      this.#run();
    }, delay);
    this.#changed();
  }

  /** Whether the timer keeps a Node process alive (see Connection.idle and hold). */
  hold(on: boolean): void {
    const t = this.#timer as { ref?: () => void; unref?: () => void } | undefined;
    if (on) t?.ref?.();
    else t?.unref?.();
  }

  cancel(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.at = undefined;
    this.waitingForNetwork = false;
  }

  /** For good: no attempt, no signals. */
  stop(): void {
    this.cancel();
    this.#unwatch?.();
    this.#unwatch = undefined;
  }
}
