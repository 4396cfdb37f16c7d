/**
 * Prints the type-checking cost of Ackwire and of tRPC v11 for generated projects of N procedures each
 * (see generate.ts):
 *
 *   npm run types:cost -- 100 1000 3000          (default: 100 1000)
 *   npm run types:cost -- --only ackwire 10000      (or --only zod,trpc)
 *
 * Columns: `zod` is the floor (the same schemas and only the zod types any typed RPC must compute, see
 * generate.ts); the last column divides Ackwire's figures by tRPC's.
 *
 * One tsc at a time, so the memory figures do not compete with each other.
 */
import { generate, type System } from './generate.js';
import { measure, type TypeCost } from './measure.js';

const args = process.argv.slice(2);
let systems: System[] = ['zod', 'trpc', 'ackwire'];
const sizes: number[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === '--only') systems = args[++i]!.split(',') as System[];
  else if (/^\d+$/.test(a)) sizes.push(Number(a));
  else throw new Error(`unknown argument ${a}; usage: table.ts [--only zod,trpc,ackwire] N...`);
}
if (sizes.length === 0) sizes.push(100, 1000);

const fmt = (n: number) => n.toLocaleString('en-US');
const cell = (c: TypeCost | undefined) =>
  c === undefined
    ? ' | | '
    : c.errors
      ? `fails: ${c.errors.split('\n')[0]!.replace(/^.*error /, '').slice(0, 80)} | | `
      : `${fmt(c.instantiations)} | ${c.memoryMB} MB | ${c.checkSeconds.toFixed(2)} s`;

const both = systems.includes('trpc') && systems.includes('ackwire');
const header = ['N', ...systems.flatMap((s) => [`${s} instantiations`, 'memory', 'check time']), ...(both ? ['ackwire / trpc (inst, mem)'] : [])];
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const n of sizes) {
  const row: Partial<Record<System, TypeCost>> = {};
  for (const s of systems) row[s] = await measure(generate(s, n));
  const ratio =
    row.trpc && row.ackwire
      ? [`${(row.ackwire.instantiations / row.trpc.instantiations).toFixed(2)}, ${(row.ackwire.memoryMB / row.trpc.memoryMB).toFixed(2)}`]
      : [];
  console.log(`| ${fmt(n)} | ${systems.map((s) => cell(row[s])).join(' | ')}${ratio.length ? ` | ${ratio[0]}` : ''} |`);
}
