/**
 * Call execution: the call table's claim (a retry never runs twice), the in-flight limit, the deadline,
 * input parsing, guards, the handler, the output check, and the outcome recorded in the session and sent
 * to whichever connection holds the session by then. Receipts for calls that do not finish in the turn
 * they were read are batched, one frame per turn.
 */
import { AckwireError, MessageType, encodeServerMessage, safeParseFast, type CallMessage, type Codec, type ProcedureDef } from '@ackwire/core';
import type { z } from 'zod';
import type { ConnectionRuntime } from './connection-runtime.js';
import { badRequestFrame, errorFrame, parseWith, thrownFrame } from './outcome.js';
import type { RegisteredProcedure } from './registered.js';
import type { CallRecord, Session } from './session.js';

/** What call execution needs of its connection. */
export interface CallHost {
  readonly runtime: ConnectionRuntime;
  readonly codec: Codec;
  readonly session: Session | undefined;
  readonly ctx: unknown;
  /** Call ids waiting for this turn's receipt frame. */
  receipts: number[] | undefined;
  send(frame: string): void;
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

type Parsed = { success: true; data: unknown } | { success: false; error: z.ZodError };

export function startCall(host: CallHost, msg: CallMessage): void {
  const session = host.session!;
  const { id } = msg;
  const codec = host.codec;
  if (id > session.lastId) session.lastId = id;
  const existing = session.calls.get(id);
  if (existing) {
    // A retry: never run twice. Send the outcome again, or a receipt while it runs.
    if (existing.frame !== undefined) host.send(existing.frame);
    else receipt(host, id);
    return;
  }
  if (id < session.callWatermark) return; // the client already confirmed this outcome
  const runtime = host.runtime;
  const proc = runtime.procedures.get(msg.path);
  if (!proc) return reply(host, session, id, errorFrame(id, 'NOT_FOUND', `No procedure "${msg.path.slice(0, 64)}"`, null, codec));
  if (session.running >= runtime.limits.maxInFlight) {
    host.send(errorFrame(id, 'TOO_MANY_REQUESTS', 'Too many calls in flight', null, codec));
    return;
  }
  const record: CallRecord = { frame: undefined, controller: undefined, timer: undefined };
  session.remember(id, record);
  session.running++;
  if (msg.timeoutMs !== null) {
    record.timer = setTimeout(() => {
      record.timer = undefined;
      finish(session, record, errorFrame(id, 'TIMEOUT', 'Deadline exceeded', null, codec));
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
  const record = session.calls.get(id);
  if (record && record.frame === undefined) {
    finish(session, record, errorFrame(id, 'CANCELLED', 'Cancelled by the caller', null, host.codec));
    (record.controller ??= new AbortController()).abort(new AckwireError('CANCELLED'));
  }
}

function run(host: CallHost, session: Session, id: number, record: CallRecord, proc: RegisteredProcedure, parsed: Parsed): void {
  if (record.frame !== undefined) return;
  if (!parsed.success) return finish(session, record, badRequestFrame(id, parsed.error, host.codec));
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
  if (out !== null && typeof out === 'object' && typeof (out as Promise<unknown>).then === 'function') {
    receipt(host, id);
    (out as Promise<unknown>).then(
      (output) => deliverOutput(host, session, id, record, proc.def, output),
      (err: unknown) => failedCall(host, session, id, record, path, err),
    );
  } else deliverOutput(host, session, id, record, proc.def, out);
}

/** A handler's output: checked against the contract, then recorded and sent. */
function deliverOutput(host: CallHost, session: Session, id: number, record: CallRecord, def: ProcedureDef, output: unknown): void {
  if (record.frame !== undefined) return;
  try {
    const checked = safeParseFast(def.output, output);
    if (!checked.success) {
      host.runtime.logger.error(`${def.path}: handler returned an output that fails its schema`, { issues: checked.error.issues });
      return finish(session, record, errorFrame(id, 'INTERNAL_ERROR', 'Internal server error', null, host.codec));
    }
    finish(session, record, encodeServerMessage({ type: MessageType.RESULT, id, output: checked.data }, host.codec));
  } catch (err) {
    failedCall(host, session, id, record, def.path, err);
  }
}

function failedCall(host: CallHost, session: Session, id: number, record: CallRecord, path: string, err: unknown): void {
  finish(session, record, thrownFrame(id, err, host.codec, host.runtime.logger, path));
}

/** Record a call's outcome and send it to whichever connection holds the session now. */
function finish(session: Session, record: CallRecord, frame: string): void {
  if (record.frame !== undefined) return;
  record.frame = frame;
  if (record.timer) clearTimeout(record.timer);
  record.timer = undefined;
  session.running--;
  session.connection?.send(frame);
}

/** An outcome without running a handler (no such procedure), kept so that a retry gets the same answer. */
function reply(host: CallHost, session: Session, id: number, frame: string): void {
  const record: CallRecord = { frame, controller: undefined, timer: undefined };
  session.remember(id, record);
  host.send(frame);
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
  const pending = ids.filter((i) => session.calls.get(i)?.frame === undefined);
  if (pending.length > 0) host.send(encodeServerMessage({ type: MessageType.RECEIVED, ids: pending }, host.codec));
}
