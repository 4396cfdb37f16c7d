/**
 * Summarize V8 CPU profiles (`.cpuprofile`, as written by `node --cpu-prof`):
 *
 *   npx tsx src/profile-summary.ts [--top N] [--skip SECONDS] [--per N] FILE...
 *
 * Several files are added together. `--per N` also prints each share as microseconds of busy time per unit
 * of work (N connections of workload D, say), summed over the files. Prints the share of samples by area (Ackwire packages, each
 * dependency, Node internals, GC, native), the functions with the most self time, and Ackwire's own
 * functions by self and by total (inclusive) time. Lines in the built packages are mapped back to src/
 * through their source maps.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { areaOf, pathOf } from './areas.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const maps = new Map<string, SourceMap | null>();

function sourceMapOf(path: string): SourceMap | null {
  if (!maps.has(path)) {
    const file = `${path}.map`;
    maps.set(path, existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8'))) : null);
  }
  return maps.get(path)!;
}

/** `name (file:line)`, with built Ackwire code mapped back to its source. */
function labelOf(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  const path = pathOf(frame.url);
  const pkg = /\/packages\/(core|server|client)\/dist\/[^/]+\.c?js$/.exec(path);
  if (pkg) {
    const entry = sourceMapOf(path)?.findEntry(frame.lineNumber, frame.columnNumber);
    if (entry && 'originalSource' in entry && entry.originalSource) {
      const src = entry.originalSource.replace(/^.*\/packages\//, '').replace(/^(\.\.\/)+/, `${pkg[1]}/`);
      return `${name} (${src}:${entry.originalLine + 1})`;
    }
  }
  const short = path.replace(/^.*\/node_modules\//, '').replace(/^.*\/test\/bench\//, 'bench/');
  return `${name} (${short}:${frame.lineNumber + 1})`;
}

function main(): void {
  const args = process.argv.slice(2);
  let top = 25;
  let skipUs = 0;
  let per: number | undefined;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--top') top = Number(args[++i]);
    else if (args[i] === '--skip') skipUs = Number(args[++i]) * 1e6;
    else if (args[i] === '--per') per = Number(args[++i]);
    else files.push(args[i]!);
  }
  if (files.length === 0) {
    console.error('usage: npx tsx src/profile-summary.ts [--top N] [--skip SECONDS] [--per N] FILE.cpuprofile...');
    process.exit(2);
  }

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const areas = new Map<string, number>();
  const ackwireLabels = new Set<string>();
  let samples = 0;
  let idle = 0;
  let busyUs = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    let t = profile.startTime;
    const first = profile.startTime + skipUs;
    for (let i = 0; i < profile.samples.length; i++) {
      const dt = profile.timeDeltas[i] ?? 0;
      t += dt;
      if (t < first) continue;
      const leaf = byId.get(profile.samples[i]!)!;
      if (leaf.callFrame.functionName === '(idle)') {
        idle++;
        continue;
      }
      samples++;
      busyUs += dt;
      const leafLabel = labelOf(leaf.callFrame);
      self.set(leafLabel, (self.get(leafLabel) ?? 0) + 1);
      const area = areaOf(leaf.callFrame);
      areas.set(area, (areas.get(area) ?? 0) + 1);
      const onStack = new Set<string>();
      for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
        const frame = byId.get(id)!.callFrame;
        if (frame.functionName === '(root)') continue;
        const label = labelOf(frame);
        if (areaOf(frame).startsWith('@ackwire/')) ackwireLabels.add(label);
        onStack.add(label);
      }
      for (const label of onStack) total.set(label, (total.get(label) ?? 0) + 1);
    }
  }

  const pct = (n: number) =>
    `${((100 * n) / samples).toFixed(1).padStart(5)}%` + (per ? `  ${((busyUs * n) / samples / per).toFixed(1).padStart(6)} µs` : '');
  const sorted = (m: Map<string, number>, keep: (k: string) => boolean = () => true) =>
    [...m].filter(([k]) => keep(k)).sort((a, b) => b[1] - a[1]);
  console.log(`${files.length} profile(s), ${samples} busy samples (${idle} idle samples left out)`);
  if (per) console.log(`${(busyUs / 1000).toFixed(0)} ms busy: ${(busyUs / per).toFixed(0)} µs per unit of ${per}`);
  console.log('');
  console.log('Self time by area');
  for (const [area, n] of sorted(areas)) console.log(`  ${pct(n)}  ${area}`);
  console.log(`\nTop ${top} functions by self time`);
  for (const [label, n] of sorted(self).slice(0, top)) console.log(`  ${pct(n)}  ${label}`);
  console.log(`\nAckwire functions by self time`);
  for (const [label, n] of sorted(self, (k) => ackwireLabels.has(k)).slice(0, top)) console.log(`  ${pct(n)}  ${label}`);
  console.log(`\nAckwire functions by total time (self + callees)`);
  for (const [label, n] of sorted(total, (k) => ackwireLabels.has(k)).slice(0, top)) console.log(`  ${pct(n)}  ${label}`);
}

main();
