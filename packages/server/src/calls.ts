/**
 * Call execution: the call table's claim (a retry never runs twice), the in-flight limit, the deadline,
 * input parsing, guards, the handler, the output check, and the outcome recorded in the session and sent
 * to whichever connection holds the session by then. Receipts for calls that do not finish in the turn
 * they were read are batched, one frame per turn.
 */
import { AckwireError, CloseCode, MessageType, encodeServerMessage, type CallMessage, type Codec, type ProcedureDef } from '@ackwire/core';
import { parseSync } from '@ackwire/core/internal';
import type { $ZodError } from 'zod/v4/core';
import type { ConnectionRuntime } from './connection-runtime.js';
import { badRequestFrame, errorFrame, parseWith, thrownFrame } from './outcome.js';
import type { RegisteredProcedure } from './registered.js';
import type { CallRecord, LiveSession } from './session.js';
import { isPromise } from './is-promise.js';
import type { Claim, MaybePromise } from './session-store.js';

/** What call execution needs of its connection. */
export interface CallHost {
  readonly runtime: ConnectionRuntime;
  readonly codec: Codec;
  readonly session: LiveSession | undefined;
  readonly ctx: unknown;
  /** Call ids waiting for this turn's receipt frame. */
  receipts: number[] | undefined;
  send(frame: string): void;
  close(code: number, reason: string): void;
}

/** What a procedure's handler gets besides its input. A class: the signal's controller is made only when a
 * handler reads it. */
class HandlerCallInfo {
  readonly #record: CallRecord;

  constructor(
    readonly ctx: unknown,
    readonly callId: number,
    readonly sessionId: string,
    record: CallRecord,
  ) {
    this.#record = record;
  }

  get signal(): AbortSignal {
    return (this.#record.controller ??= new AbortController()).signal;
  }
}

type Parsed = { success: true; data: unknown } | { success: false; error: $ZodError };


/** A call frame's claim of its id in the session store: a promise when the store answers asynchronously. */
export function claimFor(host: CallHost, session: LiveSession, msg: CallMessage): MaybePromise<Claim> {
  return host.runtime.sessions.store.claim(session.id, session.generation, msg.id);
}

/** The store could not answer a claim: the call is refused, never run without dedupe. */
export function claimRefused(host: CallHost, msg: CallMessage, err: unknown): void {
  host.runtime.logger.error('session store: claiming a call failed', { error: err });
  host.send(errorFrame(msg.id, 'UNAVAILABLE', 'Session store unavailable', null, host.codec));
}

/** Act on a call's claim: run it if it is new, or answer what the claim says. */
export function actOnClaim(host: CallHost, session: LiveSession, msg: CallMessage, claim: Claim): void {
  const { id } = msg;
  const codec = host.codec;
  switch (claim.state) {
    case 'new':
      break;
    case 'running': // a retry: never run twice; a receipt while it runs
      if (!session.running.has(id)) forwardOutcome(host, session, id); // it runs in another process
      return receipt(host, id);
    case 'finished': // a retry of a finished call: its outcome again
      return host.send(claim.frame);
    case 'full': // never run (a retry is decided afresh): outcomes the client has not confirmed are never dropped
      return host.send(errorFrame(id, 'TOO_MANY_REQUESTS', 'Too many unacknowledged outcomes', null, codec));
    case 'gone':
      // The store no longer has a session this connection holds (a shared store lost its data): nothing
      // would ever answer this call. Closing makes the client's resume fail and settle it as RESULT_UNKNOWN.
      if (host.session === session && host.runtime.sessions.get(session.id) === session) {
        host.runtime.sessions.end(session);
        host.close(CloseCode.INTERNAL_ERROR, 'the session is gone from the session store');
      }
      return;
    default: // confirmed: the client already has the outcome; fenced: this connection lost the session
      return;
  }
  const runtime = host.runtime;
  const proc = runtime.procedures.get(msg.path);
  if (!proc) return reply(host, session, id, errorFrame(id, 'NOT_FOUND', `No procedure "${msg.path.slice(0, 64)}"`, null, codec));
  const running = session.running;
  if (running.size >= runtime.limits.maxInFlight) {
    runtime.sessions.quietly('release', runtime.sessions.store.release(session.id, id));
    host.send(errorFrame(id, 'TOO_MANY_REQUESTS', 'Too many calls in flight', null, codec));
    return;
  }
  const record: CallRecord = { frame: undefined, controller: undefined, timer: undefined };
  running.set(id, record);
  if (msg.timeoutMs !== null) {
    record.timer = setTimeout(() => {
      record.timer = undefined;
      finish(host, session, id, record, errorFrame(id, 'TIMEOUT', 'Deadline exceeded', null, codec));
      (record.controller ??= new AbortController()).abort(new AckwireError('TIMEOUT'));
    }, Math.min(msg.timeoutMs, 2 ** 31 - 1)); // longer delays make setTimeout fire at once
  }
  const parsed = parseWith(proc.def.input, msg.input);
  if (parsed instanceof Promise) {
    receipt(host, id);
    parsed.then(
      (p) => run(host, session, id, record, proc, p),
      (err: unknown) => failedCall(host, session, id, record, msg.path, err),
    );
  } else run(host, session, id, record, proc, parsed);
}

/** The caller gave up on a running call: it ends with CANCELLED and its signal aborts. */
export function cancelCall(host: CallHost, id: number): void {
  const session = host.session!;
  const record = session.running.get(id);
  if (record && record.frame === undefined) {
    finish(host, session, id, record, errorFrame(id, 'CANCELLED', 'Cancelled by the caller', null, host.codec));
    (record.controller ??= new AbortController()).abort(new AckwireError('CANCELLED'));
  }
}

function run(host: CallHost, session: LiveSession, id: number, record: CallRecord, proc: RegisteredProcedure, parsed: Parsed): void {
  if (record.frame !== undefined) return;
  if (!parsed.success) return finish(host, session, id, record, badRequestFrame(id, parsed.error, host.codec));
  const path = proc.def.path;
  const guards = host.runtime.guards;
  const ctx = host.ctx;
  let out: unknown;
  try {
    const gate = guards.has(path) ? guards.check({ ctx, input: parsed.data, path, kind: 'procedure', sessionId: session.id }) : undefined;
    const info = new HandlerCallInfo(ctx, id, session.id, record);
    out = gate ? gate.then(() => (record.frame === undefined ? proc.handler(parsed.data, info) : undefined)) : proc.handler(parsed.data, info);
  } catch (err) {
    return failedCall(host, session, id, record, path, err);
  }
  if (isPromise(out)) {
    receipt(host, id);
    out.then(
      (output) => deliverOutput(host, session, id, record, proc.def, output),
      (err: unknown) => failedCall(host, session, id, record, path, err),
    );
  } else deliverOutput(host, session, id, record, proc.def, out);
}

/** A handler's output: checked against the contract, then recorded and sent. */
function deliverOutput(host: CallHost, session: LiveSession, id: number, record: CallRecord, def: ProcedureDef, output: unknown): void {
  if (record.frame !== undefined) return;
  try {
    const checked = parseSync(def.output, output);
    if (!checked.success) {
      host.runtime.logger.error(`${def.path}: handler returned an output that fails its schema`, { issues: checked.error.issues });
      return finish(host, session, id, record, errorFrame(id, 'INTERNAL_ERROR', 'Internal server error', null, host.codec));
    }
    finish(host, session, id, record, encodeServerMessage({ type: MessageType.RESULT, id, output: checked.data }, host.codec));
  } catch (err) {
    failedCall(host, session, id, record, def.path, err);
  }
}

function failedCall(host: CallHost, session: LiveSession, id: number, record: CallRecord, path: string, err: unknown): void {
  finish(host, session, id, record, thrownFrame(id, err, host.codec, host.runtime.logger, path));
}

/** Record a call's outcome in the store and send it to whichever connection holds the session now. */
function finish(host: CallHost, session: LiveSession, id: number, record: CallRecord, frame: string): void {
  if (record.frame !== undefined) return;
  record.frame = frame;
  if (record.timer) clearTimeout(record.timer);
  record.timer = undefined;
  if (session.running.get(id) === record) session.running.delete(id);
  const sessions = host.runtime.sessions;
  sessions.quietly('complete', sessions.store.complete(session.id, id, frame));
  session.connection?.send(frame);
  sessions.finished(session);
}

/** An outcome without running a handler (no such procedure), kept so that a retry gets the same answer. */
function reply(host: CallHost, session: LiveSession, id: number, frame: string): void {
  const sessions = host.runtime.sessions;
  sessions.quietly('complete', sessions.store.complete(session.id, id, frame));
  host.send(frame);
}

/** A retry of a call that another process runs (the session moved here): its outcome once that process stores it. */
function forwardOutcome(host: CallHost, session: LiveSession, id: number): void {
  const store = host.runtime.sessions.store;
  if (!store.awaitOutcome) return;
  store.awaitOutcome(session.id, id).then(
    (outcome) => {
      if (outcome.state === 'finished') return session.connection?.send(outcome.frame);
      if (outcome.state !== 'lost') return;
      // It may or may not have run, and the wire has no word for that: the session ends, so the client's
      // resume fails and it settles the call with RESULT_UNKNOWN (or re-sends it if idempotent).
      host.runtime.sessions.end(session);
      if (host.session === session) host.close(CloseCode.INTERNAL_ERROR, 'the process running a call of this session stopped');
    },
    (err: unknown) => host.runtime.logger.error('session store: waiting for an outcome from another process failed', { error: err }),
  );
}

/** Receipts are batched: one frame per turn of the event loop for the calls still running. */
function receipt(host: CallHost, id: number): void {
  if ((host.receipts ??= []).push(id) > 1) return;
  setImmediate(sendReceipts, host);
}

function sendReceipts(host: CallHost): void {
  const ids = host.receipts!;
  host.receipts = undefined;
  const session = host.session;
  if (!session) return;
  const running = session.running;
  const pending = ids.filter((i) => running.has(i));
  if (pending.length > 0) host.send(encodeServerMessage({ type: MessageType.RECEIVED, ids: pending }, host.codec));
}
