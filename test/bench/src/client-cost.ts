/**
 * What the client library costs per connection in a fresh process, without a network: each client talks to
 * an in-memory WebSocket that answers the hello with a welcome and echoes the call, the way the Ackwire
 * server would. The same exchange written by hand (`minimal`: a JSON hello, a JSON call, a map of pending
 * ids, as `ackwire-wire` does over a real socket) is the floor. Every measurement runs in its own process,
 * so it includes warming up (interpreting, then compiling the hot code), as workload D does.
 *
 *   npx tsx src/client-cost.ts [--runs 9] [--clients 2000]
 *   node --no-opt --import tsx src/client-cost.ts        # the same without the optimizing compiler
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createClient } from '@ackwire/client';
import { MessageType, PROTOCOL_VERSION, indexOf } from '@ackwire/core';
import { isEcho, makeInput, type Echo } from './payload.js';
import { api } from './systems/ackwire-contract.js';

type Impl = 'ackwire' | 'minimal';

const WELCOME_LIMITS = '{"maxInFlight":256,"maxPayload":1048576}';
let sessions = 0;

/** Answers like the server: a welcome for a hello, the input back for a call. Replies come a turn later. */
class MemorySocket {
  readonly protocol = 'ackwire.v1.superjson';
  readonly binaryType = 'blob';
  onopen: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: unknown) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;

  constructor() {
    setImmediate(() => this.onopen?.({}));
  }

  send(text: string): void {
    const frame = JSON.parse(text) as unknown[];
    let reply: string | undefined;
    if (frame[0] === MessageType.HELLO) {
      const n = ++sessions;
      reply = `[${MessageType.WELCOME},${PROTOCOL_VERSION},"session-${n}-xxxxxxxx","token-${n}-xxxxxxxxxxxxxxxxxxxx",0,30000,0,${WELCOME_LIMITS}]`;
    } else if (frame[0] === MessageType.CALL) reply = JSON.stringify([MessageType.RESULT, frame[1], frame[3]]);
    if (reply !== undefined) setImmediate(() => this.onmessage?.({ data: reply }));
  }

  close(): void {}
}

interface Conn {
  ready: Promise<void>;
  call(input: Echo): Promise<unknown>;
}

const FINGERPRINT = indexOf(api).fingerprint;

function connect(impl: Impl): Conn {
  if (impl === 'ackwire') {
    const c = createClient(api, { url: 'ws://memory/', WebSocket: MemorySocket as unknown as typeof WebSocket });
    return { ready: c.$ready(), call: (input) => c.bench.echo(input) };
  }
  const ws = new MemorySocket();
  const pending = new Map<number, (v: unknown) => void>();
  const queued: string[] = [];
  let nextId = 0;
  let open = false;
  let welcomed!: () => void;
  const ready = new Promise<void>((resolve) => (welcomed = resolve));
  ws.onopen = () => {
    open = true;
    ws.send(JSON.stringify([MessageType.HELLO, PROTOCOL_VERSION, FINGERPRINT, null]));
    for (const text of queued) ws.send(text);
  };
  ws.onmessage = (e) => {
    const f = JSON.parse(e.data) as unknown[];
    if (f[0] === MessageType.WELCOME) return welcomed();
    const resolve = pending.get(f[1] as number);
    pending.delete(f[1] as number);
    resolve?.(f[2]);
  };
  return {
    ready,
    call: (input) =>
      new Promise((resolve) => {
        const id = ++nextId;
        pending.set(id, resolve);
        const text = JSON.stringify([MessageType.CALL, id, 'bench.echo', input]);
        if (open) ws.send(text);
        else queued.push(text);
      }),
  };
}

/** One measurement: `clients` connections in batches of 50, each with a first call, as in workload D. */
async function measure(impl: Impl, clients: number): Promise<number> {
  const keep: Conn[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < clients; i += 50) {
    await Promise.all(
      Array.from({ length: 50 }, async (_, j) => {
        const input = makeInput(i + j + 1);
        const conn = connect(impl);
        keep.push(conn);
        if (!isEcho(input, await conn.call(input))) throw new Error('the echo came back changed');
        await conn.ready;
      }),
    );
  }
  await new Promise((resolve) => setTimeout(resolve, 150)); // the Ackwire client's acks go out
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / clients;
}

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const clients = option('--clients', 2000);

if (args[0] === '--child') {
  console.log((await measure(args[1] as Impl, clients)).toFixed(1));
} else {
  const runs = option('--runs', 9);
  const self = fileURLToPath(import.meta.url);
  const results: Record<Impl, number[]> = { ackwire: [], minimal: [] };
  for (let r = 0; r < runs; r++) {
    for (const impl of ['ackwire', 'minimal'] as const) {
      const out = execFileSync(process.execPath, [...process.execArgv, self, '--child', impl, '--clients', String(clients)], { encoding: 'utf8' });
      results[impl].push(Number(out.trim()));
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`client CPU per connection and first call, ${clients} clients, fresh process each (${runs} runs, median [min-max])`);
  for (const impl of ['ackwire', 'minimal'] as const) {
    const xs = results[impl];
    console.log(`  ${impl.padEnd(8)} ${median(xs).toFixed(1).padStart(6)} µs  [${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)}]`);
  }
}
