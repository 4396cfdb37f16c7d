/**
 * What creating a client costs for a small and a large contract: `createClient` with `lazy: true` (no socket
 * is opened), 2,000 clients after 200 to warm up, in a fresh process each. The contract's tree of callers is
 * made on first read (packages/client/src/caller-tree.ts), so the cost should not grow with the contract.
 *
 *   npx tsx src/client-create-cost.ts [--runs 5] [--clients 2000]
 */
import { fileURLToPath } from 'node:url';
import { createClient } from '@ackwire/client';
import { contract, procedure, subscription, type Contract, type ContractTree } from '@ackwire/core';
import { z } from 'zod';
import { measureInFreshProcess, optionOf, spread } from './fresh-process.js';

/** `namespaces` namespaces of `procedures` procedures and one subscription each. */
function contractOf(namespaces: number, procedures: number): Contract {
  const tree: Record<string, Record<string, unknown>> = {};
  for (let n = 0; n < namespaces; n++) {
    const ns: Record<string, unknown> = {};
    for (let p = 0; p < procedures; p++) ns[`p${p}`] = procedure({ input: z.object({ id: z.string() }), output: z.string() });
    ns.feed = subscription({ input: z.object({ id: z.string() }), event: z.string() });
    tree[`ns${n}`] = ns;
  }
  return contract(tree as ContractTree);
}

/** Never opened: the clients are lazy. */
class UnusedSocket {
  constructor() {
    throw new Error('a lazy client opened a socket');
  }
}

const SIZES = { small: [1, 1], large: [30, 10] } as const;
type Size = keyof typeof SIZES;

function measure(size: Size, clients: number): number {
  const [namespaces, procedures] = SIZES[size];
  const api = contractOf(namespaces, procedures);
  const options = { url: 'ws://127.0.0.1:1/', lazy: true, WebSocket: UnusedSocket as never };
  const keep: unknown[] = [];
  for (let i = 0; i < 200; i++) keep.push(createClient(api, options));
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < clients; i++) keep.push(createClient(api, options));
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / clients;
}

const args = process.argv.slice(2);
const clients = Number(optionOf(args, '--clients', '2000'));

if (args[0] === '--child') {
  console.log(measure(args[1] as Size, clients).toFixed(1));
} else {
  const runs = Number(optionOf(args, '--runs', '5'));
  const self = fileURLToPath(import.meta.url);
  console.log(`createClient CPU per client (lazy), ${clients} clients, fresh process each (${runs} runs, median [min-max])`);
  for (const size of Object.keys(SIZES) as Size[]) {
    const [n, p] = SIZES[size];
    const results: number[] = [];
    for (let r = 0; r < runs; r++) results.push(measureInFreshProcess(self, [size, '--clients', String(clients)]));
    console.log(`  ${`${size}: ${n * (p + 1)} definitions in ${n} namespace${n > 1 ? 's' : ''}`.padEnd(40)} ${spread(results)}`);
  }
}
