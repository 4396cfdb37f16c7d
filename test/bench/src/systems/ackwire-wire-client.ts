/**
 * Not a client to use: the Ackwire exchange written by hand over raw `ws`, for workload D only. It sends the
 * hello, then the call, and reads the welcome and the result, and does nothing else: no session
 * resume, no validation, no acknowledgements, no reconnects. The frames it writes on open leave in one
 * system call, as the Ackwire client's do. Against the same Ackwire server, it is the floor for what any
 * client of the protocol costs, which separates the protocol's price from the client library's.
 */
import { MessageType, NEGOTIATION_TOKEN, PROTOCOL_VERSION, indexOf } from '@ackwire/core';
import { socketOf, type Corkable } from '@ackwire/core/internal';
import WebSocket from 'ws';
import type { Echo } from '../payload.js';
import { api } from './ackwire-contract.js';
import type { BenchClient, RpcConnection } from './types.js';

const FINGERPRINT = indexOf(api).fingerprint;

/** The part of a `ws` WebSocket the exchange uses (an in-memory socket can stand in: see client-cost.ts). */
export interface WireSocket {
  on(event: 'open', listener: () => void): unknown;
  on(event: 'message', listener: (data: { toString(): string }) => void): unknown;
  on(event: 'close', listener: (code: number) => void): unknown;
  on(event: 'error', listener: () => void): unknown;
  send(text: string): void;
  close(): void;
}

/**
 * The hello and the call written by hand on an opening socket; the welcome and the result read back.
 * `corkable`: the TCP socket under `ws`, corked while the frames of the open are written.
 */
export function handWritten(ws: WireSocket, corkable?: Corkable): RpcConnection {
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const queued: string[] = [];
  let nextId = 0;
  let open = false;
  let welcomed!: () => void;
  let failed!: (e: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    welcomed = resolve;
    failed = reject;
  });
  ws.on('open', () => {
    open = true;
    corkable?.cork();
    ws.send(JSON.stringify([MessageType.HELLO, PROTOCOL_VERSION, FINGERPRINT, null]));
    for (const text of queued) ws.send(text);
    queued.length = 0;
    corkable?.uncork();
  });
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as unknown[];
    if (frame[0] === MessageType.WELCOME) return welcomed();
    if (frame[0] !== MessageType.RESULT) return;
    const p = pending.get(frame[1] as number);
    pending.delete(frame[1] as number);
    p?.resolve(frame[2]);
  });
  ws.on('close', (code) => {
    const error = new Error(`connection closed (${code})`);
    failed(error);
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  });
  ws.on('error', () => undefined);
  return {
    ready,
    call: (input: Echo) =>
      new Promise((resolve, reject) => {
        const id = ++nextId;
        pending.set(id, { resolve, reject });
        const text = JSON.stringify([MessageType.CALL, id, 'bench.echo', input]);
        if (open) ws.send(text);
        else queued.push(text);
      }),
    close: () => ws.close(),
  };
}

export const client: BenchClient = {
  async connect(url) {
    const ws = new WebSocket(url, ['ackwire.v1.json', NEGOTIATION_TOKEN]);
    // `ws` has its TCP socket once it is open, which is when the hello is written.
    return handWritten(ws, { cork: () => socketOf(ws)?.cork(), uncork: () => socketOf(ws)?.uncork() });
  },
  subscribe() {
    return Promise.reject(new Error('ackwire-wire runs workload D only'));
  },
};
