/**
 * The shared conformance suite of session stores: every rule of session-store.ts as a test. A store's
 * package runs it against its real backend:
 *
 *   import { sessionStoreSuite } from '@ackwire/server/testing';
 *   sessionStoreSuite('RedisSessionStore', { create: (o) => new RedisSessionStore({ ...o, url }) });
 *
 * Retention is checked with `elapse`: the default waits on real timers; a store on the process's own timers
 * can pass `clock: 'fake'` instead (vitest's fake setTimeout).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SessionStore } from '../session-store.js';

export interface SessionStoreSuiteOptions {
  /** A new, empty store with these bounds. */
  create(bounds: { retentionMs: number; maxRetainedCalls: number }): SessionStore | Promise<SessionStore>;
  /** Retention window given to `create` for the retention tests, in ms. Default 200. */
  retentionMs?: number;
  /** `'fake'`: the retention tests run on vitest's fake setTimeout. Default: real time. */
  clock?: 'real' | 'fake';
}

const FRAME = (id: number): string => `[4,${id},"out ${id}"]`;

export function sessionStoreSuite(name: string, options: SessionStoreSuiteOptions): void {
  const retentionMs = options.retentionMs ?? 200;
  const open: SessionStore[] = [];
  const make = async (maxRetainedCalls = 1024): Promise<SessionStore> => {
    const store = await options.create({ retentionMs, maxRetainedCalls });
    open.push(store);
    return store;
  };
  const elapse = async (ms: number): Promise<void> => {
    if (options.clock === 'fake') await vi.advanceTimersByTimeAsync(ms);
    else await new Promise((r) => setTimeout(r, ms));
  };

  describe(`session store conformance: ${name}`, () => {
    afterEach(async () => {
      for (const store of open.splice(0)) await store.close?.();
      vi.useRealTimers();
    });

    describe('sessions', () => {
      it('creates sessions with distinct random ids and secret tokens, generation 1 and lastId 0', async () => {
        const store = await make();
        const a = await store.create();
        const b = await store.create();
        expect(a.id).not.toBe(b.id);
        expect(a.token).not.toBe(b.token);
        expect(a.id.length).toBeGreaterThanOrEqual(16); // 96 bits as base64
        expect(a.token.length).toBeGreaterThanOrEqual(22); // 128 bits as base64
        expect([a.generation, a.lastId]).toStrictEqual([1, 0]);
      });

      it('resumes only with the session id and its own token', async () => {
        const store = await make();
        const a = await store.create();
        const b = await store.create();
        expect(await store.resume(a.id, b.token)).toBeUndefined();
        expect(await store.resume(a.id, `${a.token}x`)).toBeUndefined();
        expect(await store.resume('no-such-session', a.token)).toBeUndefined();
        const resumed = await store.resume(a.id, a.token);
        expect(resumed?.id).toBe(a.id);
        expect(resumed?.token).toBe(a.token);
      });

      it('raises the generation on every resume', async () => {
        const store = await make();
        const s = await store.create();
        expect((await store.resume(s.id, s.token))?.generation).toBe(2);
        expect((await store.resume(s.id, s.token))?.generation).toBe(3);
      });

      it('keeps the highest call or subscription id seen, for the welcome of a resume', async () => {
        const store = await make();
        const s = await store.create();
        await store.claim(s.id, 1, 5);
        await store.seen(s.id, 9);
        await store.claim(s.id, 1, 7);
        await store.seen(s.id, 3);
        expect((await store.resume(s.id, s.token))?.lastId).toBe(9);
      });
    });

    describe('claims', () => {
      it('answers new once, then running, then finished with the stored outcome', async () => {
        const store = await make();
        const s = await store.create();
        expect(await store.claim(s.id, 1, 1)).toStrictEqual({ state: 'new' });
        expect(await store.claim(s.id, 1, 1)).toStrictEqual({ state: 'running' });
        await store.complete(s.id, 1, FRAME(1));
        expect(await store.claim(s.id, 1, 1)).toStrictEqual({ state: 'finished', frame: FRAME(1) });
        expect(await store.claim(s.id, 1, 1)).toStrictEqual({ state: 'finished', frame: FRAME(1) });
      });

      it('gives exactly one new among claims of one call id made at once', async () => {
        const store = await make();
        const s = await store.create();
        const answers = await Promise.all(Array.from({ length: 10 }, () => store.claim(s.id, 1, 42)));
        expect(answers.filter((a) => a.state === 'new')).toHaveLength(1);
        expect(answers.filter((a) => a.state === 'running')).toHaveLength(9);
      });

      it('applies one session\'s operations in the order they were called, whenever the answers come', async () => {
        const store = await make();
        const s = await store.create();
        const first = store.claim(s.id, 1, 1);
        const completed = store.complete(s.id, 1, FRAME(1));
        const retry = store.claim(s.id, 1, 1);
        const confirmed = store.confirm(s.id, 2);
        const late = store.claim(s.id, 1, 1);
        expect(await first).toStrictEqual({ state: 'new' });
        await completed;
        expect(await retry).toStrictEqual({ state: 'finished', frame: FRAME(1) });
        await confirmed;
        expect(await late).toStrictEqual({ state: 'confirmed' });
      });

      it('lets a released claim be claimed again (a call refused without running)', async () => {
        const store = await make();
        const s = await store.create();
        await store.claim(s.id, 1, 3);
        await store.release(s.id, 3);
        expect(await store.claim(s.id, 1, 3)).toStrictEqual({ state: 'new' });
        await store.complete(s.id, 3, FRAME(3));
        await store.release(s.id, 3); // a finished call is not released
        expect(await store.claim(s.id, 1, 3)).toStrictEqual({ state: 'finished', frame: FRAME(3) });
      });

      it('keeps claims of different sessions apart', async () => {
        const store = await make();
        const a = await store.create();
        const b = await store.create();
        await store.claim(a.id, 1, 1);
        await store.complete(a.id, 1, FRAME(1));
        expect(await store.claim(b.id, 1, 1)).toStrictEqual({ state: 'new' });
      });
    });

    describe('outcomes and the watermark', () => {
      it('drops the outcomes below the watermark; their ids answer confirmed, running calls stay running', async () => {
        const store = await make();
        const s = await store.create();
        for (const id of [1, 2, 3]) await store.claim(s.id, 1, id);
        await store.complete(s.id, 1, FRAME(1));
        await store.complete(s.id, 3, FRAME(3));
        await store.confirm(s.id, 3);
        expect(await store.claim(s.id, 1, 1)).toStrictEqual({ state: 'confirmed' });
        expect(await store.claim(s.id, 1, 2)).toStrictEqual({ state: 'running' });
        expect(await store.claim(s.id, 1, 3)).toStrictEqual({ state: 'finished', frame: FRAME(3) });
        expect(await store.claim(s.id, 1, 0)).toStrictEqual({ state: 'confirmed' }); // never seen, below it
        await store.confirm(s.id, 1); // lower: nothing changes
        expect(await store.claim(s.id, 1, 4)).toStrictEqual({ state: 'new' });
      });

      it('keeps at most maxRetainedCalls outcomes, dropping the oldest finished first, never a running call', async () => {
        const store = await make(3);
        const s = await store.create();
        await store.claim(s.id, 1, 1); // stays running
        for (const id of [2, 3, 4, 5]) {
          await store.claim(s.id, 1, id);
          await store.complete(s.id, id, FRAME(id));
        }
        expect(await store.claim(s.id, 1, 1)).toStrictEqual({ state: 'running' });
        expect(await store.claim(s.id, 1, 5)).toStrictEqual({ state: 'finished', frame: FRAME(5) });
        expect(await store.claim(s.id, 1, 4)).toStrictEqual({ state: 'finished', frame: FRAME(4) });
        expect(await store.claim(s.id, 1, 2)).toStrictEqual({ state: 'new' }); // dropped: the documented limit
      });
    });

    describe('ownership', () => {
      it('fences the claims of a connection that was taken over, and records nothing for them', async () => {
        const store = await make();
        const s = await store.create();
        const taken = await store.resume(s.id, s.token);
        expect(await store.claim(s.id, 1, 1)).toStrictEqual({ state: 'fenced' });
        expect(await store.claim(s.id, taken!.generation, 1)).toStrictEqual({ state: 'new' });
      });

      it('accepts an outcome from any generation (a call that ran keeps its outcome)', async () => {
        const store = await make();
        const s = await store.create();
        await store.claim(s.id, 1, 1);
        const taken = await store.resume(s.id, s.token);
        await store.complete(s.id, 1, FRAME(1));
        expect(await store.claim(s.id, taken!.generation, 1)).toStrictEqual({ state: 'finished', frame: FRAME(1) });
      });

      it('ignores a detach from an older generation', async () => {
        if (options.clock === 'fake') vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
        const store = await make();
        const s = await store.create();
        const taken = await store.resume(s.id, s.token);
        await store.detach(s.id, 1);
        await elapse(retentionMs * 2);
        expect(await store.claim(s.id, taken!.generation, 1)).toStrictEqual({ state: 'new' });
      });
    });

    describe('retention and end', () => {
      it('ends a detached session after the retention window', async () => {
        if (options.clock === 'fake') vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
        const store = await make();
        const s = await store.create();
        await store.detach(s.id, 1);
        await elapse(retentionMs * 3);
        expect(await store.resume(s.id, s.token)).toBeUndefined();
        expect(await store.claim(s.id, 1, 1)).toStrictEqual({ state: 'gone' });
      });

      it('keeps a detached session resumable within the window, and a resume stops the clock', async () => {
        if (options.clock === 'fake') vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
        const store = await make();
        const s = await store.create();
        await store.claim(s.id, 1, 1);
        await store.complete(s.id, 1, FRAME(1));
        await store.detach(s.id, 1);
        const resumed = await store.resume(s.id, s.token);
        expect(resumed).toBeDefined();
        await elapse(retentionMs * 3);
        expect(await store.claim(s.id, resumed!.generation, 1)).toStrictEqual({ state: 'finished', frame: FRAME(1) });
      });

      it('ends a session for good: claims answer gone and it cannot be resumed', async () => {
        const store = await make();
        const s = await store.create();
        await store.claim(s.id, 1, 1);
        await store.end(s.id);
        expect(await store.claim(s.id, 1, 1)).toStrictEqual({ state: 'gone' });
        expect(await store.resume(s.id, s.token)).toBeUndefined();
      });

      it('does not end a session that a later resume took, when asked with the older generation', async () => {
        const store = await make();
        const s = await store.create();
        const taken = await store.resume(s.id, s.token);
        await store.end(s.id, 1);
        expect(await store.claim(s.id, taken!.generation, 1)).toStrictEqual({ state: 'new' });
        await store.end(s.id, taken!.generation);
        expect(await store.resume(s.id, s.token)).toBeUndefined();
      });

      it('takes every operation on an unknown or ended session without failing', async () => {
        const store = await make();
        expect(await store.claim('nope', 1, 1)).toStrictEqual({ state: 'gone' });
        await expect(Promise.resolve(store.complete('nope', 1, FRAME(1)))).resolves.toBeUndefined();
        await expect(Promise.resolve(store.release('nope', 1))).resolves.toBeUndefined();
        await expect(Promise.resolve(store.seen('nope', 1))).resolves.toBeUndefined();
        await expect(Promise.resolve(store.confirm('nope', 1))).resolves.toBeUndefined();
        await expect(Promise.resolve(store.detach('nope', 1))).resolves.toBeUndefined();
        await expect(Promise.resolve(store.end('nope'))).resolves.toBeUndefined();
      });
    });
  });
}
