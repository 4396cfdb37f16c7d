/** Summaries (median over rounds), tables for the terminal and Markdown, and the targets. */
import type { WorkloadId } from './config.js';
import type { RunRecord } from './run.js';
import { median } from './stats.js';

export interface Column {
  key: string;
  label: string;
  digits: number;
  /** How rounds combine: the median, or the sum (for counts of faults). */
  combine?: 'median' | 'sum';
}

export const COLUMNS: Record<WorkloadId, Column[]> = {
  A: [
    { key: 'callsPerSec', label: 'calls/s', digits: 0 },
    { key: 'p50Ms', label: 'p50 ms', digits: 2 },
    { key: 'p99Ms', label: 'p99 ms', digits: 2 },
    { key: 'p999Ms', label: 'p99.9 ms', digits: 2 },
    { key: 'serverCpuUsPerCall', label: 'server CPU µs/call', digits: 1 },
    { key: 'clientCpuUsPerCall', label: 'client CPU µs/call', digits: 1 },
  ],
  "A'": [
    { key: 'callsPerSec', label: 'calls/s', digits: 0 },
    { key: 'p50Ms', label: 'p50 ms', digits: 3 },
    { key: 'p99Ms', label: 'p99 ms', digits: 3 },
    { key: 'serverCpuUsPerCall', label: 'server CPU µs/call', digits: 1 },
    { key: 'clientCpuUsPerCall', label: 'client CPU µs/call', digits: 1 },
  ],
  B: [
    { key: 'timeToLastMs', label: 'time to last delivery ms', digits: 0 },
    { key: 'eventsPerSec', label: 'delivered events/s', digits: 0 },
    { key: 'lost', label: 'lost', digits: 0, combine: 'sum' },
    { key: 'duplicates', label: 'duplicates', digits: 0, combine: 'sum' },
    { key: 'publishLoopMs', label: 'publish loop ms', digits: 0 },
    { key: 'firstEventMs', label: 'first event ms', digits: 1 },
    { key: 'p50Ms', label: 'publish to delivery p50 ms', digits: 1 },
    { key: 'p99Ms', label: 'publish to delivery p99 ms', digits: 1 },
    { key: 'serverCpuUsPerEvent', label: 'server CPU µs/event', digits: 2 },
    { key: 'clientCpuUsPerEvent', label: 'client CPU µs/event', digits: 2 },
  ],
  C: [
    { key: 'rssPerConnKB', label: 'RSS KiB/conn', digits: 1 },
    { key: 'heapPerConnKB', label: 'heap KiB/conn', digits: 1 },
    { key: 'externalPerConnKB', label: 'external KiB/conn', digits: 2 },
    { key: 'clientHeapPerConnKB', label: 'client heap KiB/conn', digits: 1 },
    { key: 'rssMB', label: 'RSS MiB total', digits: 0 },
  ],
  E: [
    { key: 'eventsPerSec', label: 'delivered events/s', digits: 0 },
    { key: 'p50Ms', label: 'publish to delivery p50 ms', digits: 1 },
    { key: 'p99Ms', label: 'publish to delivery p99 ms', digits: 1 },
    { key: 'timeToLastMs', label: 'time to last delivery ms', digits: 0 },
    { key: 'lost', label: 'lost', digits: 0, combine: 'sum' },
    { key: 'duplicates', label: 'duplicates', digits: 0, combine: 'sum' },
    { key: 'serverCpuUsPerEvent', label: 'servers CPU µs/event', digits: 2 },
  ],
  F: [
    { key: 'callsPerSec', label: 'calls/s', digits: 0 },
    { key: 'p50Ms', label: 'p50 ms', digits: 2 },
    { key: 'p99Ms', label: 'p99 ms', digits: 2 },
    { key: 'redisScriptsPerCall', label: 'Redis scripts/call', digits: 2 },
    { key: 'redisCommandsPerCall', label: 'Redis commands/call', digits: 2 },
    { key: 'serverCpuUsPerCall', label: 'server CPU µs/call', digits: 1 },
    { key: 'clientCpuUsPerCall', label: 'client CPU µs/call', digits: 1 },
    ],
  G: [
    { key: 'recoveredP50Ms', label: 'caught up p50 ms', digits: 0 },
    { key: 'recoveredP99Ms', label: 'caught up p99 ms', digits: 0 },
    { key: 'recoveredMaxMs', label: 'caught up max ms', digits: 0 },
    { key: 'backP50Ms', label: 'back p50 ms', digits: 0 },
    { key: 'backMaxMs', label: 'back max ms', digits: 0 },
    { key: 'serverCpuUsPerClient', label: 'server CPU µs/client, cut to all back', digits: 0 },
    { key: 'clientCpuUsPerClient', label: 'load CPU µs/client, cut to all back', digits: 0 },
    { key: 'serverSteadyCores', label: 'server steady cores', digits: 2 },
    { key: 'lostEvents', label: 'events lost', digits: 0, combine: 'sum' },
    { key: 'duplicateEvents', label: 'events doubled', digits: 0, combine: 'sum' },
    { key: 'gaps', label: 'gaps', digits: 0, combine: 'sum' },
    { key: 'lostCalls', label: 'calls lost', digits: 0, combine: 'sum' },
    { key: 'doubledCalls', label: 'calls run twice', digits: 0, combine: 'sum' },
    { key: 'notBack', label: 'clients not back', digits: 0, combine: 'sum' },
    { key: 'notRecovered', label: 'clients not caught up', digits: 0, combine: 'sum' },
  ],
  D: [
    { key: 'firstCallPerSec', label: 'conns/s to first call', digits: 0 },
    { key: 'readyPerSec', label: 'conns/s to ready', digits: 0 },
    { key: 'readyP50Ms', label: 'ready p50 ms', digits: 1 },
    { key: 'firstCallP50Ms', label: 'first call p50 ms', digits: 1 },
    { key: 'firstCallP99Ms', label: 'first call p99 ms', digits: 1 },
    { key: 'serverCpuUsPerConn', label: 'server CPU µs/conn', digits: 0 },
    { key: 'clientCpuUsPerConn', label: 'client CPU µs/conn', digits: 0 },
    { key: 'serverOtherThreadsUsPerConn', label: 'server off main thread', digits: 0 },
    { key: 'clientOtherThreadsUsPerConn', label: 'client off main thread', digits: 0 },
  ],
};

export const TITLES: Record<WorkloadId, string> = {
  A: 'A. RPC throughput',
  "A'": "A'. Sequential calls (1 connection, 1 call in flight)",
  B: 'B. Fan-out',
  C: 'C. Idle memory (after forced GC, minus baseline; the server, except the client heap of the load process)',
  D: 'D. Connection rate',
  E: 'E. Fan-out across nodes (3 servers on one Redis, subscribers spread over them, events published on one)',
  F: 'F. RPC throughput with the session store in Redis (ackwire-redis-store) and in memory (ackwire)',
  G: 'G. Reconnect storm (every connection cut at once, calls in flight, two subscriptions each, events still published)',
};

export interface SystemSummary {
  system: string;
  rounds: number;
  metrics: Record<string, number>;
  failures: string[];
  /** The most CPU other processes used during any of the rounds, in cores (Linux only). */
  foreignCoresMax: number | undefined;
}

export function summarize(workload: WorkloadId, runs: RunRecord[], systems: readonly string[]): SystemSummary[] {
  const out: SystemSummary[] = [];
  for (const system of systems) {
    const mine = runs.filter((r) => r.workload === workload && r.system === system);
    if (mine.length === 0) continue;
    const keys = new Set(mine.flatMap((r) => Object.keys(r.metrics)));
    const metrics: Record<string, number> = {};
    for (const key of keys) {
      const combine = COLUMNS[workload].find((c) => c.key === key)?.combine ?? 'median';
      const values = mine.map((r) => r.metrics[key] ?? NaN);
      metrics[key] = combine === 'sum' ? values.reduce((a, b) => a + b, 0) : median(values);
    }
    const foreign = mine.map((r) => r.foreignCores).filter((x): x is number => x !== undefined);
    out.push({
      system,
      rounds: mine.length,
      metrics,
      failures: mine.flatMap((r) => r.failures.map((f) => `round ${r.round}: ${f}`)),
      foreignCoresMax: foreign.length > 0 ? Math.max(...foreign) : undefined,
    });
  }
  return out;
}

export function format(value: number | undefined, digits: number): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function rows(workload: WorkloadId, summary: SystemSummary[]): string[][] {
  const cols = COLUMNS[workload];
  const header = ['system', ...cols.map((c) => c.label), 'other load', 'checks'];
  const body = summary.map((s) => [
    s.system,
    ...cols.map((c) => format(s.metrics[c.key], c.digits)),
    format(s.foreignCoresMax, 2),
    s.failures.length === 0 ? `ok (${s.rounds})` : `FAIL: ${s.failures.length}`,
  ]);
  return [header, ...body];
}

export function textTable(workload: WorkloadId, summary: SystemSummary[]): string {
  const table = rows(workload, summary);
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  const out = [TITLES[workload], line(table[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...table.slice(1).map(line)];
  for (const s of summary) for (const f of s.failures) out.push(`  ! ${s.system} ${f}`);
  return out.join('\n');
}

export function markdownTable(workload: WorkloadId, summary: SystemSummary[]): string {
  const table = rows(workload, summary);
  const cols = table[0]!.length;
  const line = (r: string[]) => `| ${r.join(' | ')} |`;
  return [line(table[0]!), `| --- |${' ---: |'.repeat(cols - 2)} --- |`, ...table.slice(1).map(line)].join('\n');
}

// ---- targets -------------------------------------------------------------------------------------------

export interface Target {
  workload: WorkloadId;
  text: string;
  /** The metric compared (a column key of the workload). */
  metric: string;
  ackwire: number;
  reference: number;
  /** ackwire / reference. */
  ratio: number;
  met: boolean;
  /**
   * The same comparison within each round that ran both systems: the median of the per-round ratios and
   * how many rounds met the target. The verdict stays on the medians (except for a target that asks for
   * every round, see `add`); this shows how firmly it holds on a machine whose speed drifts between rounds.
   */
  rounds?: { medianRatio: number; met: number; of: number };
}

type Summaries = Partial<Record<WorkloadId, SystemSummary[]>>;

/** Per round that ran both systems: `subject`'s value of `key` (default: ackwire's) over the reference's. */
function roundRatios(runs: readonly RunRecord[], w: WorkloadId, key: string, ref: string, subject = 'ackwire'): number[] {
  const byRound = new Map<number, Partial<Record<string, number>>>();
  for (const r of runs) {
    if (r.workload !== w || (r.system !== subject && r.system !== ref)) continue;
    const round = byRound.get(r.round) ?? {};
    round[r.system] = r.metrics[key];
    byRound.set(r.round, round);
  }
  const out: number[] = [];
  for (const round of byRound.values()) {
    const a = round[subject];
    const b = round[ref];
    if (a !== undefined && b !== undefined && Number.isFinite(a / b)) out.push(a / b);
  }
  return out;
}

export function targets(summaries: Summaries, runs: readonly RunRecord[] = []): Target[] {
  const out: Target[] = [];
  const metric = (w: WorkloadId, system: string, key: string): number | undefined =>
    summaries[w]?.find((s) => s.system === system)?.metrics[key];
  /**
   * `factor` applies to the medians. With `everyRound`, the target holds only when every round's ratio
   * meets `everyRound` and the median of the per-round ratios meets `factor` (a margin that survives the
   * machine's drift); the rounds are counted against `everyRound`.
   */
  const add = (
    w: WorkloadId,
    text: string,
    key: string,
    ref: string,
    factor: number,
    higherIsBetter: boolean,
    subject = 'ackwire',
    everyRound?: number,
  ): void => {
    const a = metric(w, subject, key);
    const r = metric(w, ref, key);
    if (a === undefined || r === undefined) return;
    const meetsBy = (limit: number) => (ratio: number): boolean => (higherIsBetter ? ratio >= limit : ratio <= limit);
    const meets = meetsBy(factor);
    const target: Target = { workload: w, text, metric: key, ackwire: a, reference: r, ratio: a / r, met: meets(a / r) };
    const ratios = roundRatios(runs, w, key, ref, subject);
    const perRound = everyRound === undefined ? meets : meetsBy(everyRound);
    if (ratios.length > 0) {
      target.rounds = { medianRatio: median(ratios), met: ratios.filter(perRound).length, of: ratios.length };
      if (everyRound !== undefined) target.met = target.rounds.met === ratios.length && meets(target.rounds.medianRatio);
    }
    out.push(target);
  };
  add('A', 'calls/s ≥ socket.io', 'callsPerSec', 'socket.io', 1, true);
  add('A', 'calls/s ≥ 0.8 × raw ws', 'callsPerSec', 'ws', 0.8, true);
  add('A', 'server CPU per call ≤ socket.io', 'serverCpuUsPerCall', 'socket.io', 1, false);
  add('A', 'client CPU per call ≤ socket.io', 'clientCpuUsPerCall', 'socket.io', 1, false);
  add("A'", 'p50 ≤ 1.3 × raw ws', 'p50Ms', 'ws', 1.3, false);
  add('B', 'delivered events/s ≥ socket.io', 'eventsPerSec', 'socket.io', 1, true);
  add('B', 'delivered events/s ≥ 1.1 × socket.io in every round', 'eventsPerSec', 'socket.io', 1.1, true, 'ackwire', 1.1);
  add('C', 'RSS per idle connection ≤ 1.5 × raw ws', 'rssPerConnKB', 'ws', 1.5, false);
  add('C', 'heap per idle connection ≤ 1.5 × raw ws', 'heapPerConnKB', 'ws', 1.5, false);
  add('D', 'connections with first call per second ≥ 0.8 × raw ws', 'firstCallPerSec', 'ws', 0.8, true);
  add('D', 'connections with first call per second ≥ 0.9 × raw ws in every round, median ≥ 0.95', 'firstCallPerSec', 'ws', 0.95, true, 'ackwire', 0.9);
  add('E', 'delivered events/s across nodes ≥ socket.io with its Redis Streams adapter', 'eventsPerSec', 'socket.io', 1, true);
  add('E', 'publish-to-delivery p99 across nodes ≤ socket.io with its Redis Streams adapter', 'p99Ms', 'socket.io', 1, false);
  add('F', 'calls/s with the Redis session store ≥ 0.5 × the in-memory store', 'callsPerSec', 'ackwire', 0.5, true, 'ackwire-redis-store');
  add('F', 'calls/s with the Redis session store ≥ socket.io', 'callsPerSec', 'socket.io', 1, true, 'ackwire-redis-store');
  add('G', 'every client caught up (max) sooner than socket.io clients recover', 'recoveredMaxMs', 'socket.io', 1, false);
  return out;
}

/** Digits the tables use for a metric, one more for small values. */
function digitsOf(t: Target): number {
  const d = COLUMNS[t.workload].find((c) => c.key === t.metric)?.digits ?? 2;
  return d === 0 && Math.abs(t.reference) < 100 ? 1 : d;
}

export function targetsText(list: Target[]): string {
  const lines = ['Targets (Ackwire vs reference, medians)'];
  for (const t of list) {
    const d = digitsOf(t);
    const rounds = t.rounds ? `; per round: median ${format(t.rounds.medianRatio, 2)}, met in ${t.rounds.met} of ${t.rounds.of}` : '';
    lines.push(`  ${t.met ? 'met    ' : 'NOT MET'}  ${t.workload.padEnd(2)} ${t.text}: ${format(t.ackwire, d)} vs ${format(t.reference, d)} (ratio ${format(t.ratio, 2)}${rounds})`);
  }
  return lines.join('\n');
}

export function targetsMarkdown(list: Target[]): string {
  const lines = [
    '| workload | target | Ackwire | reference | ratio | met | per round: median ratio, rounds met |',
    '| --- | --- | ---: | ---: | ---: | --- | --- |',
  ];
  for (const t of list) {
    const d = digitsOf(t);
    const rounds = t.rounds ? `${format(t.rounds.medianRatio, 2)}, ${t.rounds.met} of ${t.rounds.of}` : 'n/a';
    lines.push(`| ${t.workload} | ${t.text} | ${format(t.ackwire, d)} | ${format(t.reference, d)} | ${format(t.ratio, 2)} | ${t.met ? 'yes' : '**no**'} | ${rounds} |`);
  }
  return lines.join('\n');
}
