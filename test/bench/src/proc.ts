/**
 * Starting the server and load-generator processes: `node --import tsx <script>`, each with its own open-file
 * limit raised as far as the hard limit allows, and an IPC channel to the runner.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Channel } from './ipc.js';

export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

export interface ChildOptions {
  /** Script under src/, e.g. `server-main.ts`. */
  script: string;
  args: string[];
  exposeGc?: boolean;
  /** Write the main thread's V8 CPU profile to `cpuProfDir/cpuProfName` when the process exits. */
  cpuProfDir?: string;
  cpuProfName?: string;
  /** Extra Node/V8 flags (`--node-arg`). */
  nodeArgs?: readonly string[];
}

export interface Child {
  readonly process: ChildProcess;
  readonly channel: Channel;
  /** Resolves with the child's first request (`{ type: 'ready', ... }`). */
  readonly ready: Promise<Record<string, unknown>>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
  /** Ask the child to exit (so a CPU profile is written), then kill it if it does not. */
  stop(): Promise<void>;
}

/** Raise the soft open-file limit to 65,536 or the hard limit, then run node. */
const ULIMIT = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"';

let seq = 0;

function collectProfile(tmp: string, target: string): void {
  try {
    const main = readdirSync(tmp).find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
    if (main) renameSync(join(tmp, main), target);
    else console.error(`[bench] no main-thread CPU profile in ${tmp}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function startChild(options: ChildOptions): Child {
  const nodeArgs = ['--import', 'tsx'];
  if (options.exposeGc) nodeArgs.push('--expose-gc');
  if (options.nodeArgs) nodeArgs.push(...options.nodeArgs);
  // Every thread writes a profile (tsx's loader runs in a worker), so each process gets a directory of its
  // own; the main thread's profile (thread id 0 in the default name) is moved out of it on exit.
  const profTmp = options.cpuProfDir ? join(options.cpuProfDir, `.tmp-${process.pid}-${++seq}`) : undefined;
  if (profTmp) {
    mkdirSync(profTmp, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profTmp}`);
  }
  nodeArgs.push(`src/${options.script}`, ...options.args);
  const child = spawn('/bin/sh', ['-c', ULIMIT, process.execPath, ...nodeArgs], {
    cwd: BENCH_DIR,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, TSX_TSCONFIG_PATH: `${BENCH_DIR}tsconfig.json` },
  });
  const channel = new Channel(child);
  let readyResolve!: (v: Record<string, unknown>) => void;
  let readyReject!: (e: Error) => void;
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    readyResolve = resolve;
    readyReject = reject;
  });
  ready.catch(() => undefined);
  channel.handle((req) => {
    if (req.type === 'ready') {
      readyResolve(req);
      return true;
    }
    throw new Error(`unexpected request ${req.type}`);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      if (profTmp) collectProfile(profTmp, join(options.cpuProfDir!, options.cpuProfName ?? `${options.script}-${child.pid}.cpuprofile`));
      const err = new Error(`${options.script} ${options.args.join(' ')} exited with ${code}`);
      readyReject(err);
      channel.fail(err);
      resolve(code);
    });
  });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      channel.request({ type: 'exit' }, 10_000).catch(() => undefined);
      await exited;
      clearTimeout(timer);
    })());
  return { process: child, channel, ready, exited, stop };
}
