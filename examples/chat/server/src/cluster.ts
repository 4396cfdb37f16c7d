/**
 * `npm run cluster`: the chat on three processes, as it would be deployed. It starts a redis-server (on
 * REDIS_PORT, default any free port; or uses the Redis at REDIS_URL), three chat nodes on it (node.ts), and a
 * round-robin load balancer in front of them on PORT (default 3000). Open the URL in two browsers: they land
 * on different nodes and see each other's messages; kill a node (its pid is printed) and they carry on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBalancer } from './balancer.js';

const NODES = 3;
const NODE_MAIN = fileURLToPath(new URL('./node.js', import.meta.url));

/** Where redis-server is: REDIS_SERVER, else the PATH, else Debian's place. */
function findRedisServer(): string | undefined {
  if (process.env.REDIS_SERVER) return existsSync(process.env.REDIS_SERVER) ? process.env.REDIS_SERVER : undefined;
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin'];
  return dirs.map((d) => join(d, 'redis-server')).find((p) => existsSync(p));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves with the first match of `pattern` in the child's output; rejects if it exits first. */
function waitFor(child: ChildProcess, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 30 s:\n${out}`)), 30_000);
    const read = (chunk: Buffer): void => {
      out += chunk.toString();
      const match = pattern.exec(out);
      if (!match) return;
      clearTimeout(timer);
      child.stdout?.off('data', read);
      resolve(match);
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}:\n${out}`));
    });
  });
}

const children = new Set<ChildProcess>();
let redisUrl = process.env.REDIS_URL;
let redis: ChildProcess | undefined;
if (!redisUrl) {
  const binary = findRedisServer();
  if (!binary) {
    console.error(
      'npm run cluster needs redis-server, and none was found (looked at REDIS_SERVER, the PATH and /usr/bin).\n' +
        'Install it (Debian/Ubuntu: apt-get install redis-server), set REDIS_SERVER=/path/to/redis-server, or give\n' +
        'REDIS_URL=redis://host:port of a running Redis. `npm start` runs the chat in one process without Redis.',
    );
    process.exit(1);
  }
  const port = process.env.REDIS_PORT ? Number(process.env.REDIS_PORT) : await freePort();
  redis = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(redis);
  await waitFor(redis, /Ready to accept connections/, `redis-server on port ${port}`);
  redisUrl = `redis://127.0.0.1:${port}`;
}

const ports: number[] = [];
for (let i = 1; i <= NODES; i++) {
  const node = spawn(process.execPath, [NODE_MAIN], { env: { ...process.env, REDIS_URL: redisUrl, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(node);
  const port = Number((await waitFor(node, /node listening (\d+)/, `chat node ${i}`))[1]);
  ports.push(port);
  console.log(`chat node ${i}: http://127.0.0.1:${port} (pid ${node.pid})`);
  node.once('exit', (code, signal) => {
    children.delete(node);
    ports.splice(ports.indexOf(port), 1);
    if (!stopping) console.log(`chat node ${i} (pid ${node.pid}) stopped (${signal ?? code}); the other nodes carry on`);
  });
}

const lbPort = Number(process.env.PORT ?? 3000);
const balancer = await startBalancer(() => ports, lbPort, process.env.HOST ?? '127.0.0.1').catch((err: NodeJS.ErrnoException) => {
  console.error(err.code === 'EADDRINUSE' ? `Port ${lbPort} is already in use. Pick another one with PORT, e.g.: PORT=${lbPort + 1} npm run cluster` : err.message);
  for (const child of children) child.kill('SIGKILL');
  process.exit(1);
});
console.log(`redis: ${redisUrl}`);
console.log(`\nAckwire chat cluster is running: http://localhost:${balancer.port}\n(${NODES} nodes behind a round-robin balancer; Ctrl-C to stop)`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void (async () => {
    await balancer.close();
    const nodes = [...children].filter((c) => c !== redis);
    await Promise.all(nodes.map((n) => new Promise((resolve) => (n.once('exit', resolve), n.kill('SIGTERM')))));
    redis?.kill('SIGTERM');
    process.exit(0);
  })();
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
