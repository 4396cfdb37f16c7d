/**
 * What the server core costs per connection in a fresh process, without sockets: each connection is
 * accepted on an in-memory WireSocket, sends a hello and a call, and acknowledges the result (the Ackwire
 * client sends that ack within 5 s, so in workload D it mostly falls after the run). The number leaves out
 * HTTP, the upgrade and `ws` (the same for raw `ws`), and includes warming up (interpreting, then compiling
 * the hot code), as workload D does. Its median over fresh processes moves less than workload D's CPU
 * figures, which also carry the network and the client.
 *
 *   npx tsx src/server-cost.ts [--runs 9] [--clients 2000] [--codec superjson|json]
 *   npx tsx src/server-cost.ts --calls     # JavaScript calls per connection instead of CPU (call-counts.ts)
 *   npx tsx src/server-cost.ts --calls --functions   # and the functions with the most calls
 */
import { fileURLToPath } from 'node:url';
import { MessageType, PROTOCOL_VERSION, indexOf } from '@ackwire/core';
import { createServer, type WireSocket } from '@ackwire/server';
import { countCalls, formatCalls, formatFunctions } from './call-counts.js';
import { measureInFreshProcess, optionOf, spread } from './fresh-process.js';
import { makeInput } from './payload.js';
import { api } from './systems/ackwire-contract.js';

const args = process.argv.slice(2);
const clients = Number(optionOf(args, '--clients', '2000'));
const codec = optionOf(args, '--codec', 'superjson');

/** One measurement: `clients` connections, each with its hello, first call and ack. */
function measure(): number {
  // The benchmark server's options (ackwire-server.ts), with a handler that counts nothing.
  const server = createServer(api, {
    limits: { maxConnectionsPerAddress: Infinity },
    context: () => undefined,
    handlers: { bench: { echo: (input) => input, events: ({ topic }) => topic } },
  });
  let results = 0;
  const socket: WireSocket = {
    protocol: `ackwire.v1.${codec}`,
    maxPayload: 1024 * 1024,
    bufferedAmount: 0,
    send: (data) => {
      if (typeof data === 'string' && data.startsWith(`[${MessageType.RESULT},`)) results++;
    },
    close: () => undefined,
    terminate: () => undefined,
  };
  const handshake = { url: '/', headers: {}, cookies: {}, remoteAddress: '127.0.0.1', origin: undefined };
  const hello = JSON.stringify([MessageType.HELLO, PROTOCOL_VERSION, indexOf(api).fingerprint, null]);
  const ack = JSON.stringify([MessageType.ACK, 2]);
  const keep: unknown[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 1; i <= clients; i++) {
    const conn = server.accept(socket, handshake);
    conn.message(hello);
    conn.message(JSON.stringify([MessageType.CALL, 1, 'bench.echo', makeInput(i)]));
    conn.message(ack);
    keep.push(conn);
  }
  const cpu = process.cpuUsage(cpu0);
  if (results !== clients) throw new Error(`${results} results for ${clients} calls`);
  return (cpu.user + cpu.system) / clients;
}

if (args.includes('--calls')) {
  const perFunction = args.includes('--functions') ? new Map<string, number>() : undefined;
  console.log(`server core, ${clients} connections, ${codec}: ${formatCalls(await countCalls(measure, perFunction), clients)}`);
  if (perFunction) console.log(formatFunctions(perFunction, clients));
  process.exit(0);
} else if (args[0] === '--child') {
  console.log(measure().toFixed(1));
  process.exit(0); // the server's timers (hello deadlines, sessions) would keep the process alive
} else {
  const runs = Number(optionOf(args, '--runs', '9'));
  const self = fileURLToPath(import.meta.url);
  const results: number[] = [];
  for (let r = 0; r < runs; r++) results.push(measureInFreshProcess(self, ['--clients', String(clients), '--codec', codec]));
  console.log(`server core CPU per connection (hello, call, ack), ${clients} connections, ${codec}, fresh process each (${runs} runs, median [min-max])`);
  console.log(`  ${spread(results)}`);
}
