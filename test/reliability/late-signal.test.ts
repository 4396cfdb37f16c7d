/**
 * A handler that reads `signal` only after an await still sees the abort of a revocation, of the end of its
 * session, or of the server's close (the signal's controller is made lazily).
 */
import { contract, procedure } from '@ackwire/core';
import { createServer } from '@ackwire/server';
import { expect, it } from 'vitest';
import { z } from 'zod';
import { useHarness } from '../helpers/harness.js';

const h = useHarness();
const api = contract({ work: procedure({ input: z.void(), output: z.boolean() }) });

async function started() {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let entered!: () => void;
  const inHandler = new Promise<void>((r) => (entered = r));
  let aborted: boolean | undefined;
  let readSignal!: () => void;
  const signalRead = new Promise<void>((r) => (readSignal = r));
  const server = createServer(api).implement({
    logger: { error: () => undefined, warn: () => undefined },
    // close() drains first: the running handler gets this long before its signal aborts (it waits at the
    // gate until close() has returned, so the bound only sets how long the test takes).
    drainTimeoutMs: 50,
    handlers: {
      work: async (_input, info) => {
        entered();
        await gate;
        aborted = info.signal.aborted;
        readSignal();
        return aborted;
      },
    },
  });
  const { url } = await h.listen(server);
  const client = h.client(api, { url, reconnect: { maxAttempts: 0 } });
  void client.work().catch(() => undefined);
  await inHandler;
  return { server, release, after: async () => (await signalRead, aborted) };
}

it('revoke reaches a handler that reads signal after an await', async () => {
  const s = await started();
  expect(s.server.revoke(() => true)).toBe(1);
  s.release();
  expect(await s.after()).toBe(true);
});

it('server.close() reaches a handler that reads signal after an await', async () => {
  const s = await started();
  await s.server.close();
  s.release();
  expect(await s.after()).toBe(true);
});
