/**
 * The one cleanup registry of the suite: whatever a test opens (servers, clients, sockets, HTTP servers)
 * registers how to close it here, and it is closed after that test, last opened first. The harness
 * (harness.ts) and the security helpers both register through it.
 */
import { afterEach } from 'vitest';

const cleanups: Array<() => unknown> = [];
const hooks: Array<() => unknown> = [];

/** Run `fn` after the current test (last registered runs first). */
export function later(fn: () => unknown): void {
  cleanups.push(fn);
}

/** Run `fn` after each test of the file, once its cleanups ran (state a helper resets, say). */
export function afterCleanup(fn: () => unknown): void {
  hooks.push(fn);
}

afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
  for (const fn of hooks) await fn();
});
