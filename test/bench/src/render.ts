/**
 * Print a results file as Markdown (the tables of docs/benchmarks.md):
 *
 *   npx tsx src/render.ts [results/latest.json]
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { WORKLOADS, type WorkloadId } from './config.js';
import { BENCH_DIR } from './proc.js';
import { TITLES, markdownTable, targets, targetsMarkdown, type SystemSummary } from './report.js';
import type { RunRecord } from './run.js';

interface Results {
  meta: {
    command: string;
    date: string;
    commit: string;
    durationSec: number;
    machine: { cpuModel: string; cores: number; memoryGiB: number; platform: string; node: string; v8: string };
    versions: Record<string, string>;
  };
  summaries: Partial<Record<WorkloadId, SystemSummary[]>>;
  runs: RunRecord[];
}

const file = resolve(BENCH_DIR, process.argv[2] ?? 'results/latest.json');
const results = JSON.parse(readFileSync(file, 'utf8')) as Results;
const { meta } = results;
const out: string[] = [
  `Command: \`${meta.command}\` (${meta.date}, commit ${meta.commit}, ${meta.durationSec} s).`,
  `Machine: ${meta.machine.cores} × ${meta.machine.cpuModel}, ${meta.machine.memoryGiB} GiB, ${meta.machine.platform}; Node ${meta.machine.node} (V8 ${meta.machine.v8}).`,
  `Versions: ${Object.entries(meta.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
  '',
];
for (const w of WORKLOADS) {
  const summary = results.summaries[w];
  if (!summary) continue;
  out.push(`### ${TITLES[w]}`, '', markdownTable(w, summary), '');
}
// Recomputed from the summaries and the runs, so files written before a change to the targets render alike.
const goals = targets(results.summaries, results.runs);
if (goals.length > 0) out.push('### Targets', '', targetsMarkdown(goals), '');
console.log(out.join('\n'));
