/**
 * How many JavaScript functions a piece of work runs, by area, from V8's precise coverage with call counts.
 * Unlike CPU time, the count does not drift with the machine, so it shows a change in the work a library
 * does per connection in one run. Built-ins (JSON.parse, Map.set...) and native code are not counted.
 */
import { Session } from 'node:inspector/promises';
import { areaOf } from './areas.js';

interface Coverage {
  result: Array<{ url: string; functions: Array<{ functionName: string; ranges: Array<{ count: number }> }> }>;
}

/** Calls per function while `work` ran (set by `countCalls` when given): `area name (file:offset)`. */
export type FunctionCalls = Map<string, number>;

/** Calls made while `work` ran, by area (see areas.ts), in descending order; per function into `perFunction`. */
export async function countCalls(work: () => unknown, perFunction?: FunctionCalls): Promise<Array<[area: string, calls: number]>> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });
    await session.post('Profiler.takePreciseCoverage'); // resets the counts
    await work();
    const { result } = (await session.post('Profiler.takePreciseCoverage')) as Coverage;
    const byArea = new Map<string, number>();
    for (const script of result) {
      for (const fn of script.functions) {
        const calls = fn.ranges[0]?.count ?? 0;
        if (calls === 0) continue;
        const area = areaOf({ url: script.url, functionName: fn.functionName });
        byArea.set(area, (byArea.get(area) ?? 0) + calls);
        if (perFunction) {
          const key = `${area}  ${fn.functionName || '(anonymous)'} (${script.url.replace(/^.*\/(packages|node_modules)\//, '')})`;
          perFunction.set(key, (perFunction.get(key) ?? 0) + calls);
        }
      }
    }
    return [...byArea].sort((a, b) => b[1] - a[1]);
  } finally {
    session.disconnect();
  }
}

/** `total N per connection (area n, ...)`, with the harness's own calls left out of the total. */
export function formatCalls(counts: ReadonlyArray<[string, number]>, connections: number): string {
  const own = counts.filter(([area]) => area !== 'bench harness');
  const total = own.reduce((sum, [, n]) => sum + n, 0);
  const parts = own.map(([area, n]) => `${area} ${(n / connections).toFixed(1)}`);
  return `${(total / connections).toFixed(1)} JavaScript calls per connection (${parts.join(', ')})`;
}

/** The `top` functions with the most calls per connection, one a line. */
export function formatFunctions(perFunction: FunctionCalls, connections: number, top = 40): string {
  return [...perFunction]
    .filter(([key]) => !key.startsWith('bench harness'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, n]) => `${(n / connections).toFixed(2).padStart(8)}  ${key}`)
    .join('\n');
}
