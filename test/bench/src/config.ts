/** Workload parameters (full and quick) and the command line. */
import { SYSTEMS } from './systems/index.js';
import type { ConnectParams } from './workloads/connect.js';
import type { RpcParams } from './workloads/rpc.js';
import type { CrossNodeParams } from './run-e.js';
import type { StormParams } from './storm/load.js';

export const WORKLOADS = ['A', "A'", 'B', 'C', 'D', 'E', 'F', 'G'] as const;
export type WorkloadId = (typeof WORKLOADS)[number];

export interface Params {
  /** Rounds per workload: each round runs every system once. */
  rounds: Record<WorkloadId, number>;
  A: RpcParams;
  "A'": RpcParams;
  B: { subscribers: number; events: number; batch: number; procs: number; quietMs: number };
  C: { connections: number; warmup: number; batch: number };
  D: ConnectParams;
  E: CrossNodeParams;
  /** Workload A's loop, with the session store in Redis or in memory (run-f.ts). */
  F: RpcParams;
  G: StormParams;
}

export const FULL: Params = {
  // A' and D get more rounds: a one-call-at-a-time latency moves with every scheduling hiccup, and a D run
  // lasts about a second, over which this machine's speed drifts (three rounds of D gave 0.64 and 0.84 of
  // raw ws at nearly the same commit; ten rounds stay within about 0.70-0.78).
  rounds: { A: 3, "A'": 5, B: 3, C: 1, D: 10, E: 3, F: 3, G: 3 },
  A: { connections: 50, inFlight: 16, warmupMs: 2000, durationMs: 5000 },
  "A'": { connections: 1, inFlight: 1, warmupMs: 1000, durationMs: 3000 },
  B: { subscribers: 1000, events: 200, batch: 50, procs: 1, quietMs: 3000 },
  C: { connections: 5000, warmup: 50, batch: 100 },
  D: { connections: 2000, batch: 50 },
  E: { nodes: 3, subscribers: 1000, events: 200, pacedEvents: 50, pacedIntervalMs: 50, batch: 50, quietMs: 3000 },
  F: { connections: 50, inFlight: 16, warmupMs: 2000, durationMs: 5000 },
  G: { clients: 1000, callsPerClient: 2, batch: 50, publishIntervalMs: 100, settleMs: 5000, deadlineMs: 60_000 },
};

export const QUICK: Params = {
  rounds: { A: 1, "A'": 1, B: 1, C: 1, D: 1, E: 1, F: 1, G: 1 },
  A: { connections: 50, inFlight: 16, warmupMs: 500, durationMs: 1500 },
  "A'": { connections: 1, inFlight: 1, warmupMs: 300, durationMs: 1000 },
  B: { subscribers: 200, events: 200, batch: 50, procs: 1, quietMs: 2000 },
  C: { connections: 1000, warmup: 50, batch: 100 },
  D: { connections: 500, batch: 50 },
  E: { nodes: 3, subscribers: 300, events: 100, pacedEvents: 20, pacedIntervalMs: 50, batch: 50, quietMs: 2000 },
  F: { connections: 50, inFlight: 16, warmupMs: 500, durationMs: 1500 },
  G: { clients: 300, callsPerClient: 2, batch: 50, publishIntervalMs: 100, settleMs: 3000, deadlineMs: 30_000 },
};

/**
 * Which systems can run each workload. socket.io's retrying mode only changes how calls are sent. Opt-in
 * systems (`ackwire-unchecked`) run only when `--systems` names them.
 */
export const SYSTEMS_OF: Record<WorkloadId, readonly string[]> = {
  A: ['ackwire', 'ackwire-unchecked', 'ws', 'socket.io', 'socket.io-retries', 'trpc'],
  "A'": ['ackwire', 'ackwire-unchecked', 'ws', 'socket.io', 'socket.io-retries', 'trpc'],
  B: ['ackwire', 'ackwire-unchecked', 'ws', 'socket.io', 'trpc'],
  C: ['ackwire', 'ackwire-unchecked', 'ws', 'socket.io', 'trpc'],
  D: ['ackwire', 'ackwire-unchecked', 'ackwire-wire', 'wire-floor', 'ws', 'socket.io', 'trpc'],
  // On Redis: Ackwire with @ackwire/redis, socket.io with its Redis Streams adapter (see run-e.ts).
  E: ['ackwire', 'socket.io'],
  // Calls with the session store in memory (`ackwire`) and in Redis, and socket.io (which dedupes nothing).
  F: ['ackwire', 'ackwire-redis-store', 'socket.io'],
  // The reconnect storm: Ackwire's session resume against socket.io's connection-state recovery.
  G: ['ackwire', 'socket.io'],
};

export interface Options {
  quick: boolean;
  only: WorkloadId[];
  systems: string[] | undefined;
  params: Params;
  /** Results file, relative to the bench directory unless absolute. */
  out: string;
  /** Directory for V8 CPU profiles of every child process, or undefined. */
  cpuProf: string | undefined;
  /** Extra Node/V8 flags for every server and load process. */
  nodeArgs: string[];
  /** Before each run, wait up to this many ms for other processes to leave the CPU idle. */
  waitQuietMs: number;
  /** Repeat a run (twice at most) when other processes used more than this many cores during it. */
  maxOtherLoad: number | undefined;
  /** True when every workload and system runs with the full parameters (the run the docs quote). */
  complete: boolean;
  argv: string[];
}

export const USAGE = `Usage: npm run bench -- [options]      (from the repository root)

  --quick              shorter windows, fewer connections, one round
  --only A,A',B,C,D,E,F,G  run only these workloads (A' may be written Aseq; E and F need redis-server)
  --systems a,b        run only these systems: ${SYSTEMS.map((s) => s.name).join(', ')}
  --rounds N           rounds of every workload (default: ${Object.entries(FULL.rounds).map(([w, n]) => `${w} ${n}`).join(', ')})
  --duration S         measuring window of workloads A and F in seconds (default ${FULL.A.durationMs / 1000})
  --fanout-procs N     load processes that share workload B's subscribers (default ${FULL.B.procs})
  --connections N      connections workload D opens (default ${FULL.D.connections})
  --clients N          clients of workload G, the reconnect storm (default ${FULL.G.clients})
  --cpu-prof [DIR]     write a .cpuprofile for every server and load process (default DIR: profiles/<time>)
  --node-arg FLAG      pass a Node or V8 flag to every server and load process (repeatable), e.g. --no-opt
  --wait-quiet S       before each run, wait up to S seconds for other processes to go quiet (shared machines)
  --max-other-load X   repeat a run (at most twice) if other processes used more than X cores during it
  --out FILE           results file (default results/latest.json for a full run, results/partial.json otherwise)
`;

function workloadId(raw: string): WorkloadId {
  const t = raw.trim();
  if (t === 'Aseq' || t === 'A2' || t === "A'") return "A'";
  if ((WORKLOADS as readonly string[]).includes(t.toUpperCase())) return t.toUpperCase() as WorkloadId;
  throw new Error(`unknown workload "${raw}"; known: ${WORKLOADS.join(', ')}`);
}

export function parseArgs(argv: string[]): Options {
  let quick = false;
  let only: WorkloadId[] = [...WORKLOADS];
  let systems: string[] | undefined;
  let rounds: number | undefined;
  let duration: number | undefined;
  let procs: number | undefined;
  let connections: number | undefined;
  let clients: number | undefined;
  let out: string | undefined;
  let cpuProf: string | undefined;
  const nodeArgs: string[] = [];
  let waitQuiet = 0;
  let maxOtherLoad: number | undefined;
  let partial = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--quick':
        quick = true;
        break;
      case '--only':
        only = value().split(',').map(workloadId);
        partial = true;
        break;
      case '--systems':
        systems = value().split(',').map((s) => s.trim());
        for (const s of systems) if (!SYSTEMS.some((x) => x.name === s)) throw new Error(`unknown system "${s}"`);
        partial = true;
        break;
      case '--rounds':
        rounds = positive(arg, value());
        partial = true;
        break;
      case '--duration':
        duration = positive(arg, value());
        partial = true;
        break;
      case '--fanout-procs':
        procs = positive(arg, value());
        partial = true;
        break;
      case '--connections':
        connections = positive(arg, value());
        partial = true;
        break;
      case '--clients':
        clients = positive(arg, value());
        partial = true;
        break;
      case '--wait-quiet':
        waitQuiet = positive(arg, value());
        break;
      case '--max-other-load':
        maxOtherLoad = Number(value());
        if (!(maxOtherLoad >= 0)) throw new Error(`${arg} takes a number of cores`);
        break;
      case '--out':
        out = value();
        break;
      case '--cpu-prof':
        cpuProf = argv[i + 1] && !argv[i + 1]!.startsWith('--') ? argv[++i]! : `profiles/${new Date().toISOString().replace(/[:.]/g, '-')}`;
        partial = true;
        break;
      case '--node-arg': {
        // Its value is itself a flag, so it may start with "--".
        const flag = argv[++i];
        if (flag === undefined) throw new Error(`${arg} needs a value`);
        nodeArgs.push(flag);
        partial = true;
        break;
      }
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
      default:
        throw new Error(`unknown option ${arg}\n\n${USAGE}`);
    }
  }
  const base = quick ? QUICK : FULL;
  const params: Params = structuredClone(base);
  if (rounds !== undefined) for (const w of WORKLOADS) params.rounds[w] = rounds;
  if (duration !== undefined) params.A.durationMs = params.F.durationMs = duration * 1000;
  if (procs !== undefined) params.B.procs = procs;
  if (connections !== undefined) params.D.connections = connections;
  if (clients !== undefined) params.G.clients = clients;
  // The same 20,000 deliveries per second (two topics) whatever the number of clients: the storm, not the
  // steady fan-out, is what G measures.
  params.G.publishIntervalMs = stormPublishInterval(params.G.clients);
  const complete = !quick && !partial;
  return {
    quick,
    only: WORKLOADS.filter((w) => only.includes(w)),
    systems,
    params,
    out: out ?? (complete ? 'results/latest.json' : 'results/partial.json'),
    cpuProf,
    nodeArgs,
    waitQuietMs: waitQuiet * 1000,
    maxOtherLoad,
    complete,
    argv,
  };
}

/** One event per topic every this many ms: 20,000 deliveries per second over the two topics. */
export function stormPublishInterval(clients: number): number {
  return Math.max(10, Math.round((clients * 2 * 1000) / 20_000));
}

function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} takes a positive number`);
  return n;
}
