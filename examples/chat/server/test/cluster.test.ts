/**
 * `npm run cluster`'s last step, the built cluster: a real redis-server, three chat node processes and the
 * round-robin balancer. Two clients on two different nodes see each other's messages; a client behind the
 * balancer sees them too, and goes on seeing them after the node it was on is killed with -9.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { api, type Message } from '@ackwire-example/chat-contract';
import { createClient } from '@ackwire/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { skipWithoutRedis } from '../../../../test/helpers/redis-server.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const skip = skipWithoutRedis('examples/chat/server/test/cluster.test.ts');
let cluster: ChildProcess | undefined;
let output = '';
const clients: Array<{ $close(): void }> = [];

beforeAll(async () => {
  if (skip) return;
  // The same build `npm run cluster` runs: incremental, and one at a time with the other tests that build.
  await promisify(execFile)(process.execPath, ['packages/build.mjs'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
}, 240_000);
afterAll(async () => {
  for (const c of clients) c.$close();
  if (!cluster || cluster.exitCode !== null) return;
  const exited = new Promise((resolve) => cluster!.once('exit', resolve));
  cluster.kill('SIGTERM'); // the cluster stops its nodes and its redis-server
  await exited;
});

function chatClient(url: string, name: string) {
  const client = createClient(api, { url, params: { name }, reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });
  clients.push(client);
  const seen: Message[] = [];
  // Started once the node confirmed the subscription: later messages reach it, whichever node posts them.
  const started = new Promise<void>((resolve) => client.chat.messages.subscribe({ room: 'general' }, { onData: (m) => seen.push(m), onStarted: () => resolve() }));
  return { client, seen, started };
}

it.skipIf(skip)('runs three nodes on Redis behind a balancer: messages cross nodes and survive a node killed with -9', { timeout: 90_000 }, async () => {
  cluster = spawn(process.execPath, ['examples/chat/server/dist/cluster.js'], { cwd: ROOT, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  cluster.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  cluster.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await expect.poll(() => output, { timeout: 60_000 }).toMatch(/cluster is running: http:\/\/localhost:\d+/);
  const nodes = [...output.matchAll(/chat node (\d): http:\/\/127\.0\.0\.1:(\d+) \(pid (\d+)\)/g)].map((m) => ({ port: Number(m[2]), pid: Number(m[3]) }));
  expect(nodes).toHaveLength(3);
  const balancer = Number(/cluster is running: http:\/\/localhost:(\d+)/.exec(output)![1]);

  // Alice on node 2, Bob on node 3 (directly); Carol behind the balancer, whose first connection goes to node 1.
  const alice = chatClient(`ws://127.0.0.1:${nodes[1]!.port}/ws`, 'alice');
  const bob = chatClient(`ws://127.0.0.1:${nodes[2]!.port}/ws`, 'bob');
  const carol = chatClient(`ws://127.0.0.1:${balancer}/ws`, 'carol');
  await Promise.all([alice.started, bob.started, carol.started]);

  const sent = await alice.client.chat.send({ room: 'general', text: 'hello from node 2' });
  await expect.poll(() => bob.seen.map((m) => m.text), { timeout: 10_000 }).toEqual(['hello from node 2']);
  await expect.poll(() => carol.seen.map((m) => m.text), { timeout: 10_000 }).toEqual(['hello from node 2']);
  expect(bob.seen[0]).toMatchObject({ id: sent.id, author: 'alice' });
  expect(bob.seen[0]!.at).toBeInstanceOf(Date);
  // One history for all nodes, in Redis.
  expect((await bob.client.chat.history({ room: 'general' })).map((m) => m.text)).toEqual(['hello from node 2']);

  // Node 1, Carol's, is killed: she reconnects through the balancer to another node, resumes there, and
  // neither misses a message nor loses one she sends.
  const sessions: boolean[] = [];
  carol.client.$on('session', (s) => sessions.push(s.resumed));
  process.kill(nodes[0]!.pid, 'SIGKILL');
  await expect.poll(() => output, { timeout: 10_000 }).toMatch(/chat node 1 \(pid \d+\) stopped/);
  await bob.client.chat.send({ room: 'general', text: 'after the kill' });
  await expect.poll(() => carol.seen.map((m) => m.text), { timeout: 20_000 }).toEqual(['hello from node 2', 'after the kill']);
  await carol.client.chat.send({ room: 'general', text: 'carol is back' });
  await expect.poll(() => alice.seen.map((m) => m.text), { timeout: 10_000 }).toEqual(['hello from node 2', 'after the kill', 'carol is back']);
  expect(sessions).toEqual([true]);
});
