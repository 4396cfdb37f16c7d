/**
 * The credentials pipeline, the same for a hello and for `$authenticate`: parse the connection params
 * with the `params` schema, build the context with `context` from the handshake and the params, read the
 * credentials' expiry with `expiresAt`, and record the session's owner for `revoke`. Each step runs
 * synchronously when the user's function does, so a hello with synchronous hooks is answered in the turn
 * it was read. The callers decide how a failure is told (a close for a hello, an error frame for
 * `$authenticate`).
 */
import type { Schema } from '@ackwire/core';
import type { $ZodError } from 'zod/v4/core';
import type { Handshake } from './handshake.js';
import type { Logger } from './options.js';
import { parseWith } from './outcome.js';
import type { SessionOwners } from './revocation.js';
import type { LiveSession } from './session.js';
import { isPromise } from './is-promise.js';

export type Expiry = number | Date | null | undefined;

/** What the pipeline makes of a hello's or an authenticate frame's params. */
export type Established =
  | { readonly ok: true; readonly ctx: unknown }
  | { readonly ok: false; readonly invalid: $ZodError }
  /** The connection went away while the params were being parsed; `context` was not called. */
  | { readonly ok: false; readonly invalid: undefined };

const GONE: Established = { ok: false, invalid: undefined };

export interface CredentialHooks {
  params?: Schema | undefined;
  context?: ((info: any) => unknown) | undefined;
  expiresAt?: ((ctx: any) => Expiry) | undefined;
}


export class Credentials {
  private readonly paramsSchema: Schema | undefined;
  private readonly contextFn: CredentialHooks['context'];
  private readonly expiresAtFn: CredentialHooks['expiresAt'];

  constructor(
    hooks: CredentialHooks,
    private readonly logger: Logger,
    private readonly owners: SessionOwners,
  ) {
    this.paramsSchema = hooks.params;
    this.contextFn = hooks.context;
    this.expiresAtFn = hooks.expiresAt;
  }

  /**
   * Params, then context. Returns (or resolves to) the context, or the params' validation error; throws
   * (or rejects with) what the schema or `context` threw. `alive` is asked before `context` runs after an
   * asynchronous parse.
   */
  establish(handshake: Handshake, rawParams: unknown, alive: () => boolean): Established | Promise<Established> {
    if (!this.paramsSchema) return this.withParams(handshake, rawParams);
    const parsed = parseWith(this.paramsSchema, rawParams);
    if (isPromise(parsed)) {
      return parsed.then((p) => (!p.success ? { ok: false, invalid: p.error } : alive() ? this.withParams(handshake, p.data) : GONE));
    }
    return parsed.success ? this.withParams(handshake, parsed.data) : { ok: false, invalid: parsed.error };
  }

  private withParams(h: Handshake, params: unknown): Established | Promise<Established> {
    if (!this.contextFn) return { ok: true, ctx: undefined };
    // One object with a fixed shape rather than spreads: this runs for every connection.
    const ctx = this.contextFn({ url: h.url, headers: h.headers, cookies: h.cookies, remoteAddress: h.remoteAddress, origin: h.origin, auth: h.auth, params });
    return isPromise(ctx) ? ctx.then((c) => ({ ok: true, ctx: c })) : { ok: true, ctx };
  }

  /** When a context's credentials expire, from `expiresAt`: undefined without the option, -Infinity
   * (expired) if it throws. */
  expiryOf(ctx: unknown): Expiry {
    if (!this.expiresAtFn) return undefined;
    try {
      return this.expiresAtFn(ctx);
    } catch (err) {
      this.logger.error('expiresAt threw; treating the credentials as expired', { error: err });
      return -Infinity;
    }
  }

  /** The session's credentials are `ctx` now (for `revoke`). */
  own(session: LiveSession, ctx: unknown): void {
    this.owners.note(session, ctx);
  }
}
