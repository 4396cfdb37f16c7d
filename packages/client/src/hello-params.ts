/**
 * The params each hello carries: `options.params` (a value, or a function, maybe async, read again before
 * every attempt so that a fresh token goes with each), replaced by the ones `$authenticate` gives. A
 * function that throws or rejects gives no params: the server's params schema and context decide.
 */
import type { ClientOptions } from './options.js';

type Source = ClientOptions['params'];

export class HelloParams {
  #override: { value: Source } | undefined;

  readonly #initial: Source;
  constructor(initial: Source) {
    this.#initial = initial;
  }

  /** The source later hellos use; returns the previous one so a refused refresh can restore it. */
  set(params: Source): { value: Source } | undefined {
    const previous = this.#override;
    this.#override = { value: params };
    return previous;
  }

  restore(previous: { value: Source } | undefined): void {
    this.#override = previous;
  }

  /** Read the params for the next hello: `then` gets them, at once when they are a plain value. */
  read(then: (params: unknown) => void): void {
    const source = this.#override ? this.#override.value : this.#initial;
    if (typeof source !== 'function') return then(source);
    let params: unknown;
    try {
      params = (source as () => unknown)();
    } catch {
      return then(undefined);
    }
    Promise.resolve(params).then(then, () => then(undefined));
  }
}
