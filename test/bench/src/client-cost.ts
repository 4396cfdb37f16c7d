/**
 * What the client library costs per connection in a fresh process, without a network: each client talks to
 * an in-memory WebSocket that answers the hello with a welcome and echoes the call, the way the Ackwire
 * server would. The exchange written by hand (`minimal`: the `ackwire-wire` client's code, on the same
 * in-memory socket) is the floor. Every measurement runs in its own process, so it includes warming up
 * (interpreting, then compiling the hot code), as workload D does.
 *
 *   npx tsx src/client-cost.ts [--runs 9] [--clients 2000]
 *   node --no-opt --import tsx src/client-cost.ts        # the same without the optimizing compiler
 *   npx tsx src/client-cost.ts --calls                    # JavaScript calls per connection (call-counts.ts)
 *   npx tsx src/client-cost.ts --calls --functions        # and the functions with the most calls
 */
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createClient } from '@ackwire/client';
import { MessageType, PROTOCOL_VERSION } from '@ackwire/core';
import { countCalls, formatCalls, formatFunctions } from './call-counts.js';
import { measureInFreshProcess, optionOf, spread } from './fresh-process.js';
import { isEcho, makeInput } from './payload.js';
import { api } from './systems/ackwire-contract.js';
import { handWritten } from './systems/ackwire-wire-client.js';
import type { RpcConnection } from './systems/types.js';

type Impl = 'ackwire' | 'minimal';

const WELCOME_LIMITS = '{"maxInFlight":256,"maxPayload":1048576}';
let sessions = 0;

/**
 * Answers like the server: a welcome for a hello, the input back for a call, a turn later. It speaks both
 * ways a socket is listened to: the `on*` properties (which the Ackwire client uses for any socket that is not
 * `ws`'s) and `on(event)` (which the hand-written exchange uses).
 */
class MemorySocket extends EventEmitter {
  readonly protocol = 'ackwire.v1.superjson';
  readonly binaryType = 'blob';
  onopen: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: unknown) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;

  constructor() {
    super();
    setImmediate(() => {
      this.onopen?.({});
      this.emit('open');
    });
  }

  send(text: string): void {
    const frame = JSON.parse(text) as unknown[];
    let reply: string | undefined;
    if (frame[0] === MessageType.HELLO) {
      const n = ++sessions;
      reply = `[${MessageType.WELCOME},${PROTOCOL_VERSION},"session-${n}-xxxxxxxx","token-${n}-xxxxxxxxxxxxxxxxxxxx",0,0,${WELCOME_LIMITS}]`;
    } else if (frame[0] === MessageType.CALL) reply = JSON.stringify([MessageType.RESULT, frame[1], frame[3]]);
    if (reply === undefined) return;
    const data = reply;
    setImmediate(() => {
      this.onmessage?.({ data });
      this.emit('message', data);
    });
  }

  close(): void {}
}

function connect(impl: Impl): RpcConnection {
  if (impl === 'minimal') return handWritten(new MemorySocket());
  const c = createClient(api, { url: 'ws://memory/', WebSocket: MemorySocket as unknown as typeof WebSocket });
  return { ready: c.$ready(), call: (input) => c.bench.echo(input), close: () => c.$close() };
}

/** One measurement: `clients` connections in batches of 50, each with a first call, as in workload D. */
async function measure(impl: Impl, clients: number): Promise<number> {
  const keep: RpcConnection[] = [];
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
  // The Ackwire client's ack comes due (it is written later: with the next frame, or once the client is quiet).
  await new Promise((resolve) => setTimeout(resolve, 150));
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / clients;
}

const args = process.argv.slice(2);
const clients = Number(optionOf(args, '--clients', '2000'));

if (args.includes('--calls')) {
  for (const impl of ['ackwire', 'minimal'] as const) {
    const perFunction = args.includes('--functions') ? new Map<string, number>() : undefined;
    console.log(`${impl}, ${clients} clients: ${formatCalls(await countCalls(() => measure(impl, clients), perFunction), clients)}`);
    if (perFunction) console.log(formatFunctions(perFunction, clients));
  }
} else if (args[0] === '--child') {
  console.log((await measure(args[1] as Impl, clients)).toFixed(1));
} else {
  const runs = Number(optionOf(args, '--runs', '9'));
  const self = fileURLToPath(import.meta.url);
  const results: Record<Impl, number[]> = { ackwire: [], minimal: [] };
  for (let r = 0; r < runs; r++) {
    for (const impl of ['ackwire', 'minimal'] as const) results[impl].push(measureInFreshProcess(self, [impl, '--clients', String(clients)]));
  }
  console.log(`client CPU per connection and first call, ${clients} clients, fresh process each (${runs} runs, median [min-max])`);
  for (const impl of ['ackwire', 'minimal'] as const) console.log(`  ${impl.padEnd(8)} ${spread(results[impl])}`);
}
