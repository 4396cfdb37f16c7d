/**
 * The client notices a dead outgoing direction: a server that keeps sending events while reading nothing
 * from the client. Driven with fake timers over a scripted in-process WebSocket.
 */
import { contract, encodeServerMessage, jsonCodec, MessageType, procedure } from '@ackwire/core';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createClient } from '../src/index.js';

/** A browser-style WebSocket whose peer is the test. */
class ScriptedSocket {
  static last: ScriptedSocket | undefined;
  readonly protocol = 'ackwire.v1.json';
  readonly binaryType = 'blob';
  readyState = 0;
  readonly sent: unknown[][] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  closedWith: number | undefined;

  constructor() {
    ScriptedSocket.last = this;
    queueMicrotask(() => {
      this.readyState = 1;
      this.onopen?.();
    });
  }

  send(text: string): void {
    this.sent.push(JSON.parse(text) as unknown[]);
  }

  close(code: number): void {
    if (this.closedWith !== undefined) return;
    this.closedWith = code;
    this.readyState = 3;
  }

  receive(msg: Parameters<typeof encodeServerMessage>[0]): void {
    this.onmessage?.({ data: encodeServerMessage(msg, jsonCodec) });
  }

  wrote(type: number): boolean {
    return this.sent.some((f) => f[0] === type);
  }
}

const api = contract({ work: procedure({ input: z.void(), output: z.void() }) });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

async function connected(answerPings: boolean) {
  const client = createClient(api, { url: 'ws://scripted/', WebSocket: ScriptedSocket as never, reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } });
  await vi.advanceTimersByTimeAsync(0);
  const ws = ScriptedSocket.last!;
  ws.receive({ type: MessageType.WELCOME, sessionId: 's', resumeToken: 't', resumed: false, lastId: 0, limits: { maxInFlight: 8, maxPayload: 0 } });
  const closes: Array<{ code: number; at: number }> = [];
  const t0 = Date.now();
  client.$on('close', (c) => closes.push({ code: c.code, at: Date.now() - t0 }));
  /** One second of a server that sends an event every 100 ms and (maybe) answers pings, reading nothing else. */
  const second = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) {
      ws.receive({ type: MessageType.EVENT, topic: 1, offset: 1, data: null });
      if (answerPings && ws.sent.at(-1)?.[0] === MessageType.PING) ws.receive({ type: MessageType.PONG });
      await vi.advanceTimersByTimeAsync(100);
    }
  };
  return { client, ws, closes, second };
}

it('a dead client-to-server direction is noticed within idleMs + timeoutMs (15 s by default) while events keep coming', async () => {
  const { client, ws, closes, second } = await connected(false);
  void client.work().catch(() => undefined); // written, never answered
  for (let s = 0; s < 20 && closes.length === 0; s++) await second();
  expect(ws.wrote(MessageType.PING)).toBe(true);
  expect(closes[0]?.code).toBe(4504);
  // The same bound as for a silent server: idleMs + timeoutMs plus one check period (2.5 s).
  expect(closes[0]!.at).toBeLessThanOrEqual(17_500);
  client.$close();
});

it('a server that answers the probe ping keeps the connection, however long the call runs', async () => {
  const { client, ws, closes, second } = await connected(true);
  void client.work().catch(() => undefined);
  for (let s = 0; s < 40; s++) await second();
  expect(ws.wrote(MessageType.PING)).toBe(true);
  expect(closes).toEqual([]);
  client.$close();
});
