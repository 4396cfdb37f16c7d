/**
 * Prints the type-checking cost of Ackwire and of tRPC v11 for generated projects of N procedures each
 * (see generate.ts):
 *
 *   npm run types:cost -- 100 1000 3000          (default: 100 1000)
 *   npm run types:cost -- --only ackwire 10000      (or --only zod,trpc)
 *
 * Columns: `zod` is the floor (the same schemas and only the zod types any typed RPC must compute, see
 * generate.ts); the last columns divide one system's figures by another's.
 *
 * Ackwire is checked from its built declarations, as tRPC is from its published ones and as a user's project
 * checks both: the table builds the packages first (`node packages/build.mjs --packages`, which skips what
 * has not changed). `--source` checks Ackwire's sources instead, as the budget test does.
 *
 * One tsc at a time, so the memory figures do not compete with each other.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, generate, type System } from './generate.js';
import { measure, type TypeCost } from './measure.js';

const args = process.argv.slice(2);
let systems: System[] = ['zod', 'trpc', 'ackwire'];
const sizes: number[] = [];
let declarations = true;
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === '--only') systems = args[++i]!.split(',') as System[];
  else if (a === '--source') declarations = false;
  else if (/^\d+$/.test(a)) sizes.push(Number(a));
  else throw new Error(`unknown argument ${a}; usage: table.ts [--only zod,trpc,ackwire] [--source] N...`);
}
if (sizes.length === 0) sizes.push(100, 1000);
if (declarations && systems.includes('ackwire')) execFileSync(process.execPath, [join(ROOT, 'packages/build.mjs'), '--packages'], { stdio: 'inherit' });

const fmt = (n: number) => n.toLocaleString('en-US');
const cell = (c: TypeCost | undefined) =>
  c === undefined
    ? ' | | '
    : c.errors
      ? `fails: ${c.errors.split('\n')[0]!.replace(/^.*error /, '').slice(0, 80)} | | `
      : `${fmt(c.instantiations)} | ${c.memoryMB} MB | ${c.checkSeconds.toFixed(2)} s`;

/** Ratios of each figure pair: `a / b (instantiations, memory)`. */
const ratios: [System, System][] = [['ackwire', 'trpc'], ['zod', 'trpc'], ['ackwire', 'zod']].filter(
  ([a, b]) => systems.includes(a as System) && systems.includes(b as System),
) as [System, System][];
const header = ['N', ...systems.flatMap((s) => [`${s} instantiations`, 'memory', 'check time']), ...ratios.map(([a, b]) => `${a} / ${b} (inst, mem)`)];
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const n of sizes) {
  const row: Partial<Record<System, TypeCost>> = {};
  for (const s of systems) row[s] = await measure(generate(s, n, { declarations }));
  const cells = ratios.map(([a, b]) => {
    const x = row[a]!;
    const y = row[b]!;
    return x.errors || y.errors ? '' : `${(x.instantiations / y.instantiations).toFixed(2)}, ${(x.memoryMB / y.memoryMB).toFixed(2)}`;
  });
  console.log(`| ${fmt(n)} | ${[...systems.map((s) => cell(row[s])), ...cells].join(' | ')} |`);
}
