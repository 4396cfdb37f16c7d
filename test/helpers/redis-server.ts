/**
 * Debian's redis-server for the tests: one server, or a local three-master cluster, on random free ports of
 * 127.0.0.1 with a temporary directory and no persistence unless asked. Every process started here is
 * killed by `stop()`, and at the latest when the test process exits.
 *
 * Without redis-server the Redis tests skip with a loud notice; with CI set they run and fail.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian's binaries; REDIS_SERVER / REDIS_CLI point elsewhere. */
export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
export const REDIS_CLI = process.env.REDIS_CLI ?? '/usr/bin/redis-cli';

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Whether the Redis tests of `file` must be skipped: true only when redis-server is missing and CI is not
 * set, after printing a notice nobody can miss. In CI a missing redis-server makes the tests fail.
 */
export function skipWithoutRedis(file: string): boolean {
  const missing = !existsSync(REDIS_SERVER) || !existsSync(REDIS_CLI);
  if (!missing || process.env.CI) return false;
  const bar = '!'.repeat(78);
  console.warn(
    `\n${bar}\n!! SKIPPED ${file}: no redis-server at ${REDIS_SERVER}.\n` +
      `!! Install it (apt-get install -y redis-server) to run the Redis tests. In CI (CI set) this fails.\n${bar}\n`,
  );
  return true;
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export interface RedisOptions {
  /** Append-only file with fsync on every write, so a restart keeps everything. Default false. */
  persistence?: boolean;
  /** Extra `--name value` arguments; a function is called again for every attempt (to pick other ports). */
  args?: string[] | (() => Promise<string[]>);
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Whether the process is running. */
  readonly up: boolean;
  /** Its process id while it runs. */
  readonly pid: number | undefined;
  /** Stop the process (SIGTERM, then SIGKILL after 5 s); the directory stays for `start()`. */
  halt(): Promise<void>;
  /** Start it again on the same port and directory (after `halt()`). */
  start(): Promise<void>;
  /** Halt and remove the directory. */
  stop(): Promise<void>;
  /** Run redis-cli against this server. */
  cli(...args: string[]): Promise<string>;
}

function spawnRedis(args: string[]): Promise<ChildProcess> {
  const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error('redis-server was not ready within 10 s')), 10_000);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${err.message}\n${out}`));
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout!.removeAllListeners('data');
        child.removeListener('exit', onExit);
        child.stdout!.resume();
        resolve(child);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const onExit = (code: number | null): void => fail(new Error(`redis-server exited with ${code}`));
    child.once('exit', onExit);
    // A missing binary (CI without redis-server) fails here, with the path, rather than as an unhandled error.
    child.once('error', (err) => fail(new Error(`cannot start ${REDIS_SERVER}: ${err.message}`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Start one redis-server bound to 127.0.0.1 on a free port. Retries with another port if one is taken. */
export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ackwire-redis-'));
  const persistence = options.persistence
    ? ['--appendonly', 'yes', '--appendfsync', 'always', '--save', '']
    : ['--appendonly', 'no', '--save', ''];
  let port = 0;
  let child: ChildProcess | undefined;
  let extra: string[] = [];
  const argsFor = (p: number): string[] => [
    '--port', String(p), '--bind', '127.0.0.1', '--dir', dir, '--logfile', '', '--daemonize', 'no',
    ...persistence, ...extra,
  ];
  for (let attempt = 0; !child; attempt++) {
    port = await freePort();
    extra = typeof options.args === 'function' ? await options.args() : (options.args ?? []);
    try {
      child = await spawnRedis(argsFor(port));
    } catch (err) {
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    get up() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    get pid() {
      return server.up ? child?.pid : undefined;
    },
    async halt() {
      if (child) await stopChild(child);
    },
    async start() {
      if (server.up) return;
      child = await spawnRedis(argsFor(port));
    },
    async stop() {
      await server.halt();
      rmSync(dir, { recursive: true, force: true });
    },
    async cli(...args) {
      const { stdout } = await run(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port), ...args]);
      return stdout;
    },
  };
  return server;
}

export interface RedisCluster {
  readonly nodes: readonly RedisServer[];
  /** `redis://127.0.0.1:port` of every master. */
  readonly urls: readonly string[];
  stop(): Promise<void>;
}

/** Three masters, cluster-enabled, slots assigned by `redis-cli --cluster create`; resolves at cluster_state:ok. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const nodes: RedisServer[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    for (let i = 0; i < 3; i++) {
      nodes.push(
        await startRedis({
          args: async () => ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(await freePort()), '--cluster-node-timeout', '5000'],
        }),
      );
    }
    await run(REDIS_CLI, ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes']);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const infos = await Promise.all(nodes.map((n) => n.cli('cluster', 'info')));
      if (infos.every((info) => info.includes('cluster_state:ok'))) break;
      if (Date.now() > deadline) throw new Error(`the cluster did not reach cluster_state:ok within 20 s:\n${infos.join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes, urls: nodes.map((n) => n.url), stop };
}
