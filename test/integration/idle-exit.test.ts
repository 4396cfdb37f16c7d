/**
 * A script that forgets `$close()` exits once its server is gone: a client with nothing pending and no
 * subscription does not keep the Node process alive while it waits to reconnect. One with a pending call
 * does, and keeps trying.
 */
import { afterEach, expect, it } from 'vitest';
import { runChild, type Child } from '../helpers/child-script.js';

let child: Child | undefined;
afterEach(() => {
  child?.kill();
  child = undefined;
});

/** Resolves with the exit code, or with 'still running' after `ms`: the bound on this test's wait. */
function exitWithin(c: Child, ms: number): Promise<number | string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still running'), ms)));
  return Promise.race([c.exited, bound]).finally(() => clearTimeout(timer));
}

it('an idle client whose server is gone lets the process exit while it waits to reconnect', async () => {
  child = await runChild('idle-client', ['idle']);
  const outcome = await exitWithin(child, 15_000);
  expect(outcome, child.output()).toBe(0);
  expect(child.output()).toContain('server closed');
  expect(child.output()).toContain('close retrying');
});

it('an idle client connecting to a server that never answers lets the process exit', async () => {
  // Its heartbeat would give up on the attempt only after two minutes.
  child = await runChild('idle-client', ['silent']);
  const outcome = await exitWithin(child, 15_000);
  expect(outcome, child.output()).toBe(0);
  expect(child.output()).toContain('connecting to a silent server');
  expect(child.output()).not.toContain('state open');
});

it.each([
  ['a pending call', 'pending'],
  ['a pending $ready()', 'ready'],
])('a client with %s keeps the process alive and keeps trying', async (_what, mode) => {
  child = await runChild('idle-client', [mode]);
  // Retries go on after the call was made: several failed attempts, and the process is still there.
  await expect
    .poll(() => child!.output().split('close retrying').length - 1, { timeout: 15_000, message: 'the client stopped retrying' })
    .toBeGreaterThanOrEqual(5);
  expect(child.process.exitCode).toBeNull();
  expect(child.output()).not.toContain('failed');
});
