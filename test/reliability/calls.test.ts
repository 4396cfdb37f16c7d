/** Exactly-once calls and receipts across lost connections, one fault at a time. */
import { AckwireError } from '@ackwire/core';
import { describe, expect, it } from 'vitest';
import { SESSION_STORES, harness, sleep, type Harness } from '../helpers/reliability.js';
import { internals } from '../helpers/internals.js';

let h: Harness;

describe.each(SESSION_STORES)('calls across a lost connection (%s)', (_, store) => {
  it('cut after the handler ran but before the result left: the result is replayed, the handler ran once', async () => {
    h = await harness(store());
    const client = h.client();
    await client.$ready();
    const firstSession = client.$sessionId;
    // Inside the handler: stop all server→client bytes, so the result frame is lost, then cut.
    h.during.set('a', () => {
      h.proxy.drop('down');
      setTimeout(() => {
        h.proxy.cut();
        h.proxy.drop(null);
      }, 20);
    });
    const result = await client.jobs.run({ key: 'a' });
    expect(result).toEqual({ key: 'a', runs: 1 });
    expect(h.runs.get('a')).toBe(1);
    expect(client.$sessionId).toBe(firstSession);
    expect(h.proxy.accepted).toBe(2);
  });

  it('cut before the receipt (the call never reached the server): it is re-sent and runs once', async () => {
    h = await harness(store());
    const client = h.client();
    await client.$ready();
    h.proxy.drop('up');
    const call = client.jobs.run({ key: 'b' });
    let receivedAt = 0;
    void call.received.then(() => (receivedAt = Date.now()));
    await sleep(30);
    expect(h.runs.get('b')).toBeUndefined();
    const cutAt = Date.now();
    h.proxy.cut();
    h.proxy.drop(null);
    expect(await call).toEqual({ key: 'b', runs: 1 });
    expect(receivedAt).toBeGreaterThanOrEqual(cutAt);
    expect(h.runs.get('b')).toBe(1);
  });

  it('cut after the server accepted the call but before the receipt arrived: no second run, receipt on resume', async () => {
    h = await harness(store());
    const client = h.client();
    await client.$ready();
    h.proxy.drop('down');
    const call = client.jobs.run({ key: 'c', ms: 300 });
    await expect.poll(() => h.runs.get('c'), { timeout: 5_000 }).toBe(1); // it is running, but the receipt was lost
    h.proxy.cut();
    h.proxy.drop(null);
    await call.received; // the retry of a running call is answered with a receipt
    expect(h.runs.get('c')).toBe(1);
    expect(await call).toEqual({ key: 'c', runs: 1 });
    expect(h.runs.get('c')).toBe(1);
  });

  it('gives a receipt before the result for a slow handler', async () => {
    h = await harness(store());
    const client = h.client();
    const order: string[] = [];
    const call = client.jobs.run({ key: 'd', ms: 100 }, { onReceived: () => order.push('received') });
    void call.received.then(() => order.push('received-promise'));
    await call.then(() => order.push('result'));
    expect(order).toEqual(['received', 'received-promise', 'result']);
  });

  it('disconnect longer than the retention window: sent calls fail RESULT_UNKNOWN, idempotent and unsent ones go out', async () => {
    h = await harness({ sessionRetentionMs: 100, ...store(100) });
    const client = h.client();
    await client.$ready();
    const session = client.$sessionId;
    h.proxy.drop('up'); // these two reach the socket but never the server
    const plain = client.jobs.run({ key: 'e1' });
    const retryable = client.jobs.retryable({ key: 'e2' });
    await sleep(20);
    h.proxy.refuse(true);
    h.proxy.cut();
    h.proxy.drop(null);
    await expect.poll(() => client.$state).toBe('reconnecting');
    const queued = client.jobs.run({ key: 'e3' }); // made while disconnected: waits in the outbox
    // The server forgets the session once its retention window has passed.
    await expect.poll(() => internals(h.server).sessions.get(session!), { timeout: 5_000, message: 'the session was never dropped' }).toBeUndefined();
    h.proxy.refuse(false);
    await expect(plain).rejects.toMatchObject({ code: 'RESULT_UNKNOWN' });
    expect(await retryable).toEqual({ key: 'e2', runs: 1 });
    expect(await queued).toEqual({ key: 'e3', runs: 1 });
    expect(client.$sessionId).not.toBe(session);
    expect(h.runs.get('e1')).toBeUndefined();
  });

  it('calls made offline wait in the outbox and go out in call order; overflow is a clear error', async () => {
    h = await harness(store());
    h.proxy.refuse(true);
    const order: string[] = [];
    h.during.set('o0', () => void order.push('o0'));
    const client = h.client({ maxOutbox: 5 });
    const calls = Array.from({ length: 5 }, (_, i) => {
      h.during.set(`o${i}`, () => void order.push(`o${i}`));
      return client.jobs.run({ key: `o${i}` });
    });
    const overflow = client.jobs.run({ key: 'o5' });
    await expect(overflow).rejects.toMatchObject({ code: 'OUTBOX_FULL' });
    await sleep(50);
    expect(h.runs.size).toBe(0);
    h.proxy.refuse(false);
    const results = await Promise.all(calls);
    expect(results.map((r) => r.key)).toEqual(['o0', 'o1', 'o2', 'o3', 'o4']);
    expect(order).toEqual(['o0', 'o1', 'o2', 'o3', 'o4']);
  });

  it('runs many calls at once (no one-at-a-time queue)', async () => {
    h = await harness(store());
    const client = h.client();
    await client.$ready();
    // Every handler waits at a gate: all 50 can be running at once only if nothing queues them one by one.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    for (let i = 0; i < 50; i++) h.during.set(`p${i}`, () => gate);
    const calls = Promise.all(Array.from({ length: 50 }, (_, i) => client.jobs.run({ key: `p${i}` })));
    await expect.poll(() => h.runs.size, { timeout: 5_000, message: 'the 50 calls never ran at the same time' }).toBe(50);
    open();
    expect((await calls).map((r) => r.runs)).toEqual(Array(50).fill(1));
  });

  it('a timeout carries its deadline to the server, which aborts the handler', async () => {
    h = await harness(store());
    const client = h.client();
    await expect(client.jobs.run({ key: 't', ms: 2000 }, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    await expect.poll(() => h.aborted.get('t')).toBeInstanceOf(AckwireError);
    expect((h.aborted.get('t') as AckwireError).code).toBe('TIMEOUT');
  });

  it('an AbortSignal cancels the call and reaches the handler', async () => {
    h = await harness(store());
    const client = h.client();
    await client.$ready();
    const controller = new AbortController();
    const call = client.jobs.run({ key: 'x', ms: 2000 }, { signal: controller.signal });
    await call.received;
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect.poll(() => h.aborted.get('x')).toBeInstanceOf(AckwireError);
    expect((h.aborted.get('x') as AckwireError).code).toBe('CANCELLED');
  });
});
