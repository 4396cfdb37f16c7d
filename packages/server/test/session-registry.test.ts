/**
 * The store operations nobody waits for (an outcome stored, an ack, a detach): SessionRegistry counts them
 * until they settle, so that a drain waits for them before the store closes, and logs each failure.
 */
import { describe, expect, it } from 'vitest';
import { MemorySessionStore } from '../src/memory-session-store.js';
import { SessionRegistry } from '../src/session.js';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (err: unknown) => void } {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function registry(logged: string[] = []): SessionRegistry {
  const logger = { error: (message: string) => void logged.push(message), warn: () => undefined };
  return new SessionRegistry(new MemorySessionStore(), 1000, logger, { perAddress: 10, total: 10, addressOf: () => '127.0.0.1' });
}

/** Whether `p` has settled after the microtasks queued now have run. */
async function isSettled(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void p.then(() => (settled = true));
  await new Promise<void>((resolve) => setImmediate(resolve));
  return settled;
}

describe('SessionRegistry: store operations nobody waits for', () => {
  it('settles at once with nothing pending, and for an operation answered at once', async () => {
    const sessions = registry();
    sessions.quietly('complete', undefined);
    expect(await isSettled(sessions.settled())).toBe(true);
  });

  it('waits for every pending operation, and for those started while it waits', async () => {
    const sessions = registry();
    const first = deferred();
    const second = deferred();
    sessions.quietly('complete', first.promise);
    const settled = sessions.settled();
    expect(sessions.settled()).toBe(settled);
    sessions.quietly('confirm', second.promise);
    first.resolve();
    expect(await isSettled(settled)).toBe(false);
    second.resolve();
    expect(await isSettled(settled)).toBe(true);
    // A later wait is a new one.
    const third = deferred();
    sessions.quietly('complete', third.promise);
    const again = sessions.settled();
    expect(await isSettled(again)).toBe(false);
    third.resolve();
    expect(await isSettled(again)).toBe(true);
  });

  it('logs each failure with what failed, and counts a failed operation as settled', async () => {
    const logged: string[] = [];
    const sessions = registry(logged);
    const failing = [deferred(), deferred()];
    sessions.quietly('complete', failing[0]!.promise);
    sessions.quietly('detach', failing[1]!.promise);
    const settled = sessions.settled();
    failing[0]!.reject(new Error('down'));
    failing[1]!.reject(new Error('down'));
    expect(await isSettled(settled)).toBe(true);
    expect(logged).toStrictEqual(['session store: complete failed', 'session store: detach failed']);
  });
});
