/**
 * What the cost scripts (client-cost.ts, server-cost.ts) share: their command-line options, one
 * measurement per fresh process (so each includes warming up, as workload D does), and how a set of
 * measurements is printed.
 */
import { execFileSync } from 'node:child_process';
import { median } from './stats.js';

/** The value after `name` in `args`, or `fallback`. */
export function optionOf(args: readonly string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i === -1 ? fallback : args[i + 1]!;
}

/** Run `script --child ...childArgs` in a new Node process (same flags as this one); the number it prints. */
export function measureInFreshProcess(script: string, childArgs: readonly string[]): number {
  const out = execFileSync(process.execPath, [...process.execArgv, script, '--child', ...childArgs], { encoding: 'utf8' });
  return Number(out.trim());
}

/** `median µs  [min-max]`. */
export function spread(values: readonly number[]): string {
  return `${median(values).toFixed(1).padStart(6)} µs  [${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)}]`;
}
