/**
 * Cost of one validation, per path, on the benchmark's schemas (payload.ts): zod's interpreter
 * (`schema.safeParse`), zod's functional form on the same schema (`z.safeParse`, what Ackwire runs when
 * zod cannot compile), and Ackwire's path (`parseSync`: zod's `compile()` clone through the functional
 * form). Valid inputs (the hot path) and one invalid input.
 *
 *   npx tsx test/bench/src/parse-cost.ts
 *   OLD_FAST_PARSE=/path/to/fast-parse.ts npx tsx test/bench/src/parse-cost.ts   (adds an older
 *     implementation exporting safeParseFast, e.g. `git show <commit>:packages/core/src/fast-parse.ts`)
 *
 * A microbenchmark: it says what one parse costs once warm, not what a workload gains. Figures are ns per
 * parse, the median of 7 runs of 200,000 parses.
 */
import * as zc from 'zod/v4/core';
import { parseSync } from '../../../packages/core/src/validate.js';
import { BenchEvent, Echo, makeEvent, makeInput } from './payload.js';

type Parse = (schema: zc.$ZodType, value: unknown) => { success: boolean };

const paths: Record<string, Parse> = {
  'schema.safeParse (interpreter)': (s, v) => (s as unknown as { safeParse(v: unknown): { success: boolean } }).safeParse(v),
  'z.safeParse (functional)': (s, v) => zc.safeParse(s, v),
  'parseSync (compile + functional)': (s, v) => parseSync(s, v),
};

if (process.env.OLD_FAST_PARSE) {
  const old = (await import(process.env.OLD_FAST_PARSE)) as { safeParseFast: Parse };
  paths['safeParseFast (older hand-compiled path)'] = (s, v) => old.safeParseFast(s, v);
}

const inputs = Array.from({ length: 64 }, (_, i) => makeInput(i + 1));
const events = Array.from({ length: 64 }, (_, i) => makeEvent(i + 1));
const invalid = { ...makeInput(1), tags: 'not an array' };

const cases: Array<{ name: string; schema: zc.$ZodType; values: unknown[]; valid: boolean }> = [
  { name: 'Echo, valid', schema: Echo, values: inputs, valid: true },
  { name: 'BenchEvent, valid', schema: BenchEvent, values: events, valid: true },
  { name: 'Echo, invalid', schema: Echo, values: [invalid], valid: false },
];

const PARSES = 200_000;
let sink = 0;

function run(parse: Parse, schema: zc.$ZodType, values: unknown[], valid: boolean): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < PARSES; i++) {
    const r = parse(schema, values[i % values.length]);
    if (r.success !== valid) throw new Error('unexpected result');
    sink++;
  }
  return Number(process.hrtime.bigint() - start) / PARSES;
}

console.log(`| case | ${Object.keys(paths).join(' | ')} |`);
console.log(`|---|${Object.keys(paths).map(() => '---').join('|')}|`);
for (const c of cases) {
  const row: string[] = [];
  for (const parse of Object.values(paths)) {
    run(parse, c.schema, c.values, c.valid); // warm up
    const times = Array.from({ length: 7 }, () => run(parse, c.schema, c.values, c.valid)).sort((a, b) => a - b);
    row.push(`${Math.round(times[3]!)} ns`);
  }
  console.log(`| ${c.name} | ${row.join(' | ')} |`);
}
if (sink === 0) console.log('');
