/**
 * `npm start`'s last step, the built chat server: the URL is the last thing it prints, and a port that is
 * taken gets an answer that says how to pick another one.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeAll, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
let child: ChildProcess | undefined;
let output = '';

beforeAll(async () => {
  // The same build `npm start` runs: incremental, and one at a time with the other tests that build.
  await promisify(execFile)(process.execPath, ['packages/build.mjs'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
}, 240_000);
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

function start(port: number): Promise<number | null> {
  output = '';
  child = spawn(process.execPath, ['examples/chat/server/dist/main.js'], { cwd: ROOT, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child!.once('exit', (code) => resolve(code)));
}

it('prints the URL last, on its own line', async () => {
  void start(0);
  await expect.poll(() => output, { timeout: 15_000 }).toMatch(/\(Ctrl-C to stop/);
  const lines = output.trim().split('\n');
  expect(lines.at(-2)).toMatch(/^Ackwire chat is running: http:\/\/localhost:\d+$/);
});

it('on a port that is taken, says so and how to pick another with PORT, and exits with 1', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
  const port = (taken.address() as { port: number }).port;
  try {
    expect(await start(port)).toBe(1);
    expect(output.trim()).toBe(`Port ${port} is already in use. Pick another one with PORT, e.g.: PORT=${port + 1} npm start`);
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
});
