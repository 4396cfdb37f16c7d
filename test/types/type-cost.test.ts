/**
 * The type-checking cost budget: a generated contract of 300 procedures in 50 namespaces, with a server
 * handler and a typed client call for each (generate.ts), checked with `tsc --extendedDiagnostics`, must
 * stay within BUDGET instantiations. Instantiation counts do not depend on the machine: they change only
 * with the code (ours, TypeScript's or zod's types), so this fails when a change makes the types costlier.
 *
 * At the time of writing the project costs 259,600 instantiations from the sources (about 17,000 of them the
 * library's own code); the `zod` project of generate.ts, zod's own types for these schemas, costs 197,649.
 * Before the schema types were made structural it cost 831,678. `npm run types:cost -- --source 300`
 * prints the figures.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GENERATED, generate } from './generate.js';
import { measure } from './measure.js';

const PROCEDURES = 300;
const BUDGET = 270_000;

const base = join(GENERATED, `budget-${process.pid}`);
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('type-checking cost', () => {
  it(`a ${PROCEDURES}-procedure contract with its server and client stays within ${BUDGET.toLocaleString('en-US')} instantiations`, async () => {
    const cost = await measure(generate('ackwire', PROCEDURES, { base }), 2048);
    expect(cost.errors, 'the generated project must type-check').toBe('');
    expect(cost.instantiations).toBeGreaterThan(100_000); // it did check the project
    expect(cost.instantiations, `instantiations (memory ${cost.memoryMB} MB, check ${cost.checkSeconds} s)`).toBeLessThanOrEqual(BUDGET);
  }, 120_000);
});
