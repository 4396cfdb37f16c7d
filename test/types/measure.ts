/**
 * Type-checks a generated project with `tsc --noEmit --extendedDiagnostics` and reads the figures tsc prints.
 * Instantiation counts are exact and repeat run to run; time depends on the machine. tsc runs with
 * `--expose-gc`, so that its "Memory used" is the heap that is still live after a full collection (tsc
 * collects before it reads the figure when it can) rather than whatever garbage happened to be uncollected:
 * the figure then repeats within about 1 MB.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './generate.js';

export interface TypeCost {
  instantiations: number;
  memoryMB: number;
  checkSeconds: number;
  totalSeconds: number;
  /** tsc's error output; empty when the project type-checks. */
  errors: string;
}

const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

function figure(out: string, label: string): number {
  const m = new RegExp(`^${label}:\\s+([\\d.]+)`, 'm').exec(out);
  if (!m) throw new Error(`tsc printed no "${label}" figure:\n${out.slice(0, 2000)}`);
  return Number(m[1]);
}

/** Run tsc on `dir`'s tsconfig.json; `maxOldSpaceMB` bounds the checker's heap. */
export function measure(dir: string, maxOldSpaceMB = 8192): Promise<TypeCost> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [`--max-old-space-size=${maxOldSpaceMB}`, '--expose-gc', TSC, '-p', join(dir, 'tsconfig.json'), '--noEmit', '--extendedDiagnostics'],
      { maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const out = stdout + stderr;
        // tsc exits 1 or 2 when the project has errors; it still prints its diagnostics then.
        if (err && !/Instantiations:/.test(out)) return reject(new Error(`tsc failed on ${dir}: ${err.message}\n${out.slice(0, 2000)}`));
        try {
          resolve({
            instantiations: figure(out, 'Instantiations'),
            memoryMB: Math.round(figure(out, 'Memory used') / 1024),
            checkSeconds: figure(out, 'Check time'),
            totalSeconds: figure(out, 'Total time'),
            errors: out
              .split('\n')
              .filter((line) => /error TS\d+/.test(line))
              .join('\n'),
          });
        } catch (e) {
          reject(e);
        }
      },
    );
  });
}
