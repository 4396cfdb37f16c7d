/**
 * The benchmark runner: `npm run bench` from the repository root (builds the packages, then runs this).
 * For each workload it runs every system once per round, rotating their order, each run in a fresh server
 * process with separate load-generator processes, then prints the medians and writes the results as JSON.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { SYSTEMS_OF, USAGE, parseArgs, type Options, type WorkloadId } from './config.js';
import { waitForQuiet } from './machine-load.js';
import { BENCH_DIR } from './proc.js';
import { summarize, targets, targetsText, textTable, type SystemSummary } from './report.js';
import { runOnce, type RunRecord } from './run.js';
import { systemByName } from './systems/index.js';

/** Installed version of a dependency of the benchmark or of @ackwire/core (superjson): the nearest node_modules copy. */
function versionOf(pkg: string): string {
  for (const start of [BENCH_DIR, resolve(BENCH_DIR, '../../packages/core')]) {
    for (let dir = start; ; dir = dirname(dir)) {
      const file = resolve(dir, 'node_modules', pkg, 'package.json');
      if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
      if (dirname(dir) === dir) break;
    }
  }
  return 'unknown';
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: BENCH_DIR, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', '../../packages'], { cwd: BENCH_DIR, encoding: 'utf8' }).trim();
    return dirty ? `${head} (packages/ modified)` : head;
  } catch {
    return 'unknown';
  }
}

function sysctl(name: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${name.replace(/\./g, '/')}`, 'utf8').trim().replace(/\s+/g, ' ');
  } catch {
    return undefined;
  }
}

function machine() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.versions.node,
    v8: process.versions.v8,
    uv: process.versions.uv,
    /** Ephemeral ports for the client side of every connection, and whether TIME_WAIT ports are reused. */
    ipLocalPortRange: sysctl('net.ipv4.ip_local_port_range'),
    tcpTwReuse: sysctl('net.ipv4.tcp_tw_reuse'),
  };
}

function commandOf(options: Options): string {
  return `npm run bench${options.argv.length > 0 ? ` -- ${options.argv.join(' ')}` : ''}`;
}

async function runLogged(options: Options, workload: WorkloadId, name: string, round: number, rounds: number, attempt: number): Promise<RunRecord> {
  if (options.waitQuietMs > 0) await waitForQuiet(options.waitQuietMs);
  const t0 = Date.now();
  process.stdout.write(`${workload.padEnd(2)} round ${round}/${rounds}  ${name.padEnd(18)}${attempt > 1 ? `(attempt ${attempt}) ` : ''}`);
  let rec: RunRecord;
  try {
    rec = await runOnce(workload, systemByName(name), round, options.params, options);
  } catch (err) {
    rec = { workload, system: name, round, metrics: {}, failures: [`run failed: ${err instanceof Error ? err.message : String(err)}`] };
  }
  const status = rec.failures.length === 0 ? 'ok' : `FAIL: ${rec.failures.join('; ')}`;
  const other = rec.foreignCores === undefined ? '' : `  other load ${rec.foreignCores.toFixed(2)} cores`;
  console.log(`${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s${other}  ${status}`);
  return rec;
}

async function main(): Promise<void> {
  let options: Options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    console.error(USAGE);
    process.exit(2);
  }
  const started = Date.now();
  const meta = {
    command: commandOf(options),
    date: new Date().toISOString(),
    commit: gitCommit(),
    machine: machine(),
    versions: Object.fromEntries(
      ['ws', 'socket.io', 'socket.io-client', '@trpc/server', '@trpc/client', 'zod', 'superjson', 'tsx'].map((p) => [p, versionOf(p)]),
    ),
    quick: options.quick,
    complete: options.complete,
    waitQuietSec: options.waitQuietMs / 1000,
    maxOtherLoad: options.maxOtherLoad,
    params: options.params,
  };
  console.log(`${meta.command}\n${meta.machine.cores} × ${meta.machine.cpuModel}, Node ${meta.machine.node}, commit ${meta.commit}\n`);

  const runs: RunRecord[] = [];
  const summaries: Partial<Record<WorkloadId, SystemSummary[]>> = {};
  for (const workload of options.only) {
    const systems = SYSTEMS_OF[workload].filter((s) => (options.systems ? options.systems.includes(s) : !systemByName(s).optIn));
    if (systems.length === 0) continue;
    const rounds = options.params.rounds[workload];
    for (let round = 1; round <= rounds; round++) {
      // Rotate the order each round so no system always runs first (or right after the heaviest one).
      const order = systems.map((_, i) => systems[(i + round - 1) % systems.length]!);
      for (const name of order) {
        let rec: RunRecord;
        let attempt = 0;
        for (;;) {
          attempt++;
          rec = await runLogged(options, workload, name, round, rounds, attempt);
          const noisy = options.maxOtherLoad !== undefined && (rec.foreignCores ?? 0) > options.maxOtherLoad;
          if (!noisy || attempt === 3 || rec.failures.length > 0) break;
        }
        runs.push(attempt > 1 ? { ...rec, attempts: attempt } : rec);
      }
    }
    summaries[workload] = summarize(workload, runs, systems);
    console.log(`\n${textTable(workload, summaries[workload]!)}\n`);
  }

  const goals = targets(summaries, runs);
  if (goals.length > 0) console.log(`${targetsText(goals)}\n`);
  const results = { meta: { ...meta, durationSec: Math.round((Date.now() - started) / 1000) }, summaries, targets: goals, runs };
  const out = resolve(BENCH_DIR, options.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`Results: ${out} (${results.meta.durationSec} s)`);
  if (options.cpuProf) console.log(`CPU profiles: ${resolve(BENCH_DIR, options.cpuProf)}`);
  const failed = runs.filter((r) => r.failures.length > 0).length;
  if (failed > 0) {
    console.log(`${failed} run(s) failed their checks`);
    process.exitCode = 1;
  }
}

await main();
