/**
 * The session-store rules of session-store.ts as a test suite, for every store to run against its real
 * backend:
 *
 *   import { describe, it } from 'vitest';
 *   sessionStoreConformance('my store', { create, advance }, { describe, it });
 *
 * Like the broker's suite (broker-conformance.ts) it needs only `describe` and `it` of the test runner and
 * asserts with node:assert, so it brings no test framework into the package.
 */
import { deepStrictEqual, equal, notEqual, ok } from 'node:assert/strict';
import type { ConformanceTestApi } from './broker-conformance.js';
import type { SessionStore } from './session-store.js';

export interface SessionStoreUnderTest {
  /** A new, empty store with these bounds. The suite closes it. */
  create(bounds: { retentionMs: number; maxRetainedCalls: number }): SessionStore | Promise<SessionStore>;
  /** Let at least `ms` pass on the store's clock (its retention timers fire). */
  advance(ms: number): Promise<void> | void;
  /** Retention window given to `create`, in ms. Default 200. */
  retentionMs?: number;
  /** Per-case timeout in ms. Default 20,000. */
  timeoutMs?: number;
}

const FRAME = (id: number): string => `[4,${id},"out ${id}"]`;

export function sessionStoreConformance(name: string, backend: SessionStoreUnderTest, t: ConformanceTestApi): void {
  const retentionMs = backend.retentionMs ?? 200;
  const timeout = backend.timeoutMs ?? 20_000;
  /** Each case gets fresh stores and closes them, pass or fail. */
  const it = (label: string, fn: (make: (maxRetainedCalls?: number) => Promise<SessionStore>) => Promise<void>): void => {
    t.it(
      label,
      async () => {
        const opened: SessionStore[] = [];
        const make = async (maxRetainedCalls = 1024): Promise<SessionStore> => {
          const store = await backend.create({ retentionMs, maxRetainedCalls });
          opened.push(store);
          return store;
        };
        try {
          await fn(make);
        } finally {
          for (const store of opened) await store.close?.();
        }
      },
      timeout,
    );
  };
  const elapse = async (ms: number): Promise<void> => {
    await backend.advance(ms);
  };
  const describe = t.describe;

  describe(`session store conformance: ${name}`, () => {
    describe('sessions', () => {
      it('creates sessions with distinct random ids and secret tokens, generation 1 and lastId 0', async (make) => {
        const store = await make();
        const a = await store.create();
        const b = await store.create();
        notEqual(a.id, b.id);
        notEqual(a.token, b.token);
        ok(a.id.length >= 16, 'an id of at least 96 bits (16 base64 characters)');
        ok(a.token.length >= 22, 'a token of at least 128 bits (22 base64 characters)');
        deepStrictEqual([a.generation, a.lastId], [1, 0]);
      });

      it('resumes only with the session id and its own token', async (make) => {
        const store = await make();
        const a = await store.create();
        const b = await store.create();
        equal(await store.resume(a.id, b.token), undefined);
        equal(await store.resume(a.id, `${a.token}x`), undefined);
        equal(await store.resume('no-such-session', a.token), undefined);
        const resumed = await store.resume(a.id, a.token);
        equal(resumed?.id, a.id);
        equal(resumed?.token, a.token);
      });

      it('raises the generation on every resume', async (make) => {
        const store = await make();
        const s = await store.create();
        equal((await store.resume(s.id, s.token))?.generation, 2);
        equal((await store.resume(s.id, s.token))?.generation, 3);
      });

      it('keeps the highest call or subscription id seen, for the welcome of a resume', async (make) => {
        const store = await make();
        const s = await store.create();
        await store.claim(s.id, 1, 5);
        await store.seen(s.id, 9);
        await store.claim(s.id, 1, 7);
        await store.seen(s.id, 3);
        equal((await store.resume(s.id, s.token))?.lastId, 9);
      });
    });

    describe('claims', () => {
      it('answers new once, then running, then finished with the stored outcome', async (make) => {
        const store = await make();
        const s = await store.create();
        deepStrictEqual(await store.claim(s.id, 1, 1), { state: 'new' });
        deepStrictEqual(await store.claim(s.id, 1, 1), { state: 'running' });
        await store.complete(s.id, 1, FRAME(1));
        deepStrictEqual(await store.claim(s.id, 1, 1), { state: 'finished', frame: FRAME(1) });
        deepStrictEqual(await store.claim(s.id, 1, 1), { state: 'finished', frame: FRAME(1) });
      });

      it('gives exactly one new among claims of one call id made at once', async (make) => {
        const store = await make();
        const s = await store.create();
        const answers = await Promise.all(Array.from({ length: 10 }, () => store.claim(s.id, 1, 42)));
        equal(answers.filter((a) => a.state === 'new').length, 1);
        equal(answers.filter((a) => a.state === 'running').length, 9);
      });

      it('applies one session\'s operations in the order they were called, whenever the answers come', async (make) => {
        const store = await make();
        const s = await store.create();
        const first = store.claim(s.id, 1, 1);
        const completed = store.complete(s.id, 1, FRAME(1));
        const retry = store.claim(s.id, 1, 1);
        const confirmed = store.confirm(s.id, 2);
        const late = store.claim(s.id, 1, 1);
        deepStrictEqual(await first, { state: 'new' });
        await completed;
        deepStrictEqual(await retry, { state: 'finished', frame: FRAME(1) });
        await confirmed;
        deepStrictEqual(await late, { state: 'confirmed' });
      });

      it("takes many operations of one session issued at once as it takes them one at a time", async (make) => {
        // A fixed mix of claims (a stale generation among them), outcomes, releases and acks over a few ids,
        // with room for 3 unconfirmed outcomes so that some claims are refused: issued in one turn on two
        // sessions interleaved, then one at a time on a third; every answer and the state after must agree.
        type Step = readonly ['claim', number, number] | readonly ['complete', number] | readonly ['release', number] | readonly ['confirm', number];
        const steps: Step[] = [];
        let seed = 5;
        const next = (n: number): number => (seed = (seed * 48271) % 2147483647) % n;
        for (let i = 0; i < 120; i++) {
          const id = 1 + next(12);
          const r = next(10);
          steps.push(r < 5 ? ['claim', next(8) === 0 ? 0 : 1, id] : r < 8 ? ['complete', id] : r < 9 ? ['release', id] : ['confirm', id]);
        }
        const apply = (store: SessionStore, sid: string, step: Step): Promise<unknown> =>
          Promise.resolve(
            step[0] === 'claim'
              ? store.claim(sid, step[1], step[2])
              : step[0] === 'complete'
                ? store.complete(sid, step[1], FRAME(step[1]))
                : step[0] === 'release'
                  ? store.release(sid, step[1])
                  : store.confirm(sid, step[1]),
          );
        const state = async (store: SessionStore, sid: string): Promise<unknown[]> => {
          const out: unknown[] = [];
          for (let id = 1; id <= 13; id++) out.push(await store.claim(sid, 1, id));
          return out;
        };
        const store = await make(3);
        const a = await store.create();
        const b = await store.create();
        const pending: Array<[Promise<unknown>, Promise<unknown>]> = steps.map((step) => [apply(store, a.id, step), apply(store, b.id, step)]);
        const atOnce = await Promise.all(pending.map(([x, y]) => Promise.all([x, y])));
        const one = await store.create();
        for (let i = 0; i < steps.length; i++) {
          const answer = await apply(store, one.id, steps[i]!);
          deepStrictEqual(atOnce[i]![0], answer, `step ${i} ${JSON.stringify(steps[i])}`);
          deepStrictEqual(atOnce[i]![1], answer, `step ${i} ${JSON.stringify(steps[i])}, second session`);
        }
        const after = await state(store, one.id);
        deepStrictEqual(await state(store, a.id), after);
        deepStrictEqual(await state(store, b.id), after);
        // The mix reaches every answer a claim can give here.
        const seen = new Set(atOnce.map(([x]) => (x as { state?: string } | undefined)?.state).filter(Boolean));
        for (const answer of ['new', 'running', 'finished', 'fenced', 'full', 'confirmed']) ok(seen.has(answer), `no claim answered ${answer}`);
        // An outcome stored three times at once is stored, and counted, once.
        const counted = await make(2);
        const c = await counted.create();
        await Promise.all([1, 2].map((id) => counted.claim(c.id, 1, id)));
        await Promise.all([counted.complete(c.id, 1, FRAME(1)), counted.complete(c.id, 1, 'late'), counted.complete(c.id, 1, 'later')]);
        deepStrictEqual(await counted.claim(c.id, 1, 1), { state: 'finished', frame: FRAME(1) });
        deepStrictEqual(await counted.claim(c.id, 1, 3), { state: 'new' });
        await counted.complete(c.id, 3, FRAME(3));
        deepStrictEqual(await counted.claim(c.id, 1, 4), { state: 'full' });
      });

      it('lets a released claim be claimed again (a call refused without running)', async (make) => {
        const store = await make();
        const s = await store.create();
        await store.claim(s.id, 1, 3);
        await store.release(s.id, 3);
        deepStrictEqual(await store.claim(s.id, 1, 3), { state: 'new' });
        await store.complete(s.id, 3, FRAME(3));
        await store.release(s.id, 3); // a finished call is not released
        deepStrictEqual(await store.claim(s.id, 1, 3), { state: 'finished', frame: FRAME(3) });
      });

      it('keeps claims of different sessions apart', async (make) => {
        const store = await make();
        const a = await store.create();
        const b = await store.create();
        await store.claim(a.id, 1, 1);
        await store.complete(a.id, 1, FRAME(1));
        deepStrictEqual(await store.claim(b.id, 1, 1), { state: 'new' });
      });
    });

    describe('outcomes and the watermark', () => {
      it('drops the outcomes below the watermark; their ids answer confirmed, running calls stay running', async (make) => {
        const store = await make();
        const s = await store.create();
        for (const id of [1, 2, 3]) await store.claim(s.id, 1, id);
        await store.complete(s.id, 1, FRAME(1));
        await store.complete(s.id, 3, FRAME(3));
        await store.confirm(s.id, 3);
        deepStrictEqual(await store.claim(s.id, 1, 1), { state: 'confirmed' });
        deepStrictEqual(await store.claim(s.id, 1, 2), { state: 'running' });
        deepStrictEqual(await store.claim(s.id, 1, 3), { state: 'finished', frame: FRAME(3) });
        deepStrictEqual(await store.claim(s.id, 1, 0), { state: 'confirmed' }); // never seen, below it
        await store.confirm(s.id, 1); // lower: nothing changes
        deepStrictEqual(await store.claim(s.id, 1, 4), { state: 'new' });
      });

      it('never drops an unconfirmed outcome: at maxRetainedCalls of them a new call is refused (full)', async (make) => {
        const store = await make(3);
        const s = await store.create();
        await store.claim(s.id, 1, 1); // stays running
        for (const id of [2, 3, 4]) {
          await store.claim(s.id, 1, id);
          await store.complete(s.id, id, FRAME(id));
        }
        deepStrictEqual(await store.claim(s.id, 1, 5), { state: 'full' }); // refused, recorded nothing
        deepStrictEqual(await store.claim(s.id, 1, 1), { state: 'running' });
        for (const id of [2, 3, 4]) deepStrictEqual(await store.claim(s.id, 1, id), { state: 'finished', frame: FRAME(id) });
        await store.complete(s.id, 1, FRAME(1)); // a running call still gets its outcome kept
        deepStrictEqual(await store.claim(s.id, 1, 1), { state: 'finished', frame: FRAME(1) });
        await store.confirm(s.id, 1, [[3, 4]]); // by range: the watermark cannot pass the running call
        deepStrictEqual(await store.claim(s.id, 1, 5), { state: 'new' });
        deepStrictEqual(await store.claim(s.id, 1, 2), { state: 'finished', frame: FRAME(2) });
      });

      it('confirms by range above the watermark: finished outcomes go, running calls stay, later claims are new', async (make) => {
        const store = await make();
        const s = await store.create();
        for (const id of [1, 2, 3]) await store.claim(s.id, 1, id);
        await store.complete(s.id, 2, FRAME(2));
        await store.complete(s.id, 3, FRAME(3));
        await store.confirm(s.id, 0, [[2, 3]]);
        deepStrictEqual(await store.claim(s.id, 1, 1), { state: 'running' });
        deepStrictEqual(await store.claim(s.id, 1, 3), { state: 'new' }); // forgotten; a range does not confirm later claims
      });

      it('forgets outcomes however far apart their ids, by range and by watermark, and counts them out', async (make) => {
        const store = await make(3);
        const s = await store.create();
        await store.claim(s.id, 1, 1); // stays running
        for (const id of [10, 5000, 3_000_000]) {
          await store.claim(s.id, 1, id);
          await store.complete(s.id, id, FRAME(id));
        }
        deepStrictEqual(await store.claim(s.id, 1, 3_000_001), { state: 'full' });
        await store.confirm(s.id, 0, [[2, 4_000_000]]); // one range over millions of ids
        deepStrictEqual(await store.claim(s.id, 1, 1), { state: 'running' });
        deepStrictEqual(await store.claim(s.id, 1, 5000), { state: 'new' }); // forgotten, and counted out
        await store.complete(s.id, 5000, FRAME(5000));
        await store.complete(s.id, 1, FRAME(1));
        await store.confirm(s.id, 9_000_000); // the watermark passes both at once
        for (const id of [1, 5000, 8_999_999]) deepStrictEqual(await store.claim(s.id, 1, id), { state: 'confirmed' });
        for (const id of [9_000_000, 9_000_001, 9_000_002]) {
          deepStrictEqual(await store.claim(s.id, 1, id), { state: 'new' });
          await store.complete(s.id, id, FRAME(id));
        }
        deepStrictEqual(await store.claim(s.id, 1, 9_000_003), { state: 'full' }); // exactly 3 held again
      });

      it('keeps every outcome outside the confirmed ranges, however many calls finish beside a running one', async (make) => {
        const store = await make(4);
        const s = await store.create();
        await store.claim(s.id, 1, 1); // a slow call: the watermark cannot pass it
        for (let id = 2; id <= 40; id++) {
          deepStrictEqual(await store.claim(s.id, 1, id), { state: 'new' }, `call ${id}`);
          await store.complete(s.id, id, FRAME(id));
          // The client acknowledges the quick calls by range, all but the newest one.
          if (id > 2) await store.confirm(s.id, 1, [[2, id - 1]]);
        }
        await store.confirm(s.id, 1, [[1, 39]]); // covers the running call: it stays running
        deepStrictEqual(await store.claim(s.id, 1, 1), { state: 'running' });
        await store.complete(s.id, 1, FRAME(1));
        deepStrictEqual(await store.claim(s.id, 1, 1), { state: 'finished', frame: FRAME(1) }); // not lost in between
        deepStrictEqual(await store.claim(s.id, 1, 40), { state: 'finished', frame: FRAME(40) }); // outside every range
        await store.confirm(s.id, 41);
        deepStrictEqual(await store.claim(s.id, 1, 1), { state: 'confirmed' });
        deepStrictEqual(await store.claim(s.id, 1, 40), { state: 'confirmed' });
      });
    });

    describe('ownership', () => {
      it('fences the claims of a connection that was taken over, and records nothing for them', async (make) => {
        const store = await make();
        const s = await store.create();
        const taken = await store.resume(s.id, s.token);
        deepStrictEqual(await store.claim(s.id, 1, 1), { state: 'fenced' });
        deepStrictEqual(await store.claim(s.id, taken!.generation, 1), { state: 'new' });
      });

      it('accepts an outcome from any generation (a call that ran keeps its outcome)', async (make) => {
        const store = await make();
        const s = await store.create();
        await store.claim(s.id, 1, 1);
        const taken = await store.resume(s.id, s.token);
        await store.complete(s.id, 1, FRAME(1));
        deepStrictEqual(await store.claim(s.id, taken!.generation, 1), { state: 'finished', frame: FRAME(1) });
      });

      it('ignores a detach from an older generation', async (make) => {
        const store = await make();
        const s = await store.create();
        const taken = await store.resume(s.id, s.token);
        await store.detach(s.id, 1);
        await elapse(retentionMs * 2);
        deepStrictEqual(await store.claim(s.id, taken!.generation, 1), { state: 'new' });
      });
    });

    describe('retention and end', () => {
      it('ends a detached session after the retention window', async (make) => {
        const store = await make();
        const s = await store.create();
        await store.detach(s.id, 1);
        await elapse(retentionMs * 3);
        equal(await store.resume(s.id, s.token), undefined);
        deepStrictEqual(await store.claim(s.id, 1, 1), { state: 'gone' });
      });

      it('keeps a detached session resumable within the window, and a resume stops the clock', async (make) => {
        const store = await make();
        const s = await store.create();
        await store.claim(s.id, 1, 1);
        await store.complete(s.id, 1, FRAME(1));
        await store.detach(s.id, 1);
        const resumed = await store.resume(s.id, s.token);
        ok(resumed, 'resumed within the window');
        await elapse(retentionMs * 3);
        deepStrictEqual(await store.claim(s.id, resumed!.generation, 1), { state: 'finished', frame: FRAME(1) });
      });

      it('ends a session for good: claims answer gone and it cannot be resumed', async (make) => {
        const store = await make();
        const s = await store.create();
        await store.claim(s.id, 1, 1);
        await store.end(s.id);
        deepStrictEqual(await store.claim(s.id, 1, 1), { state: 'gone' });
        equal(await store.resume(s.id, s.token), undefined);
      });

      it('does not end a session that a later resume took, when asked with the older generation', async (make) => {
        const store = await make();
        const s = await store.create();
        const taken = await store.resume(s.id, s.token);
        await store.end(s.id, 1);
        deepStrictEqual(await store.claim(s.id, taken!.generation, 1), { state: 'new' });
        await store.end(s.id, taken!.generation);
        equal(await store.resume(s.id, s.token), undefined);
      });

      it('takes every operation on an unknown or ended session without failing', async (make) => {
        const store = await make();
        deepStrictEqual(await store.claim('nope', 1, 1), { state: 'gone' });
        equal(await store.complete('nope', 1, FRAME(1)), undefined);
        equal(await store.release('nope', 1), undefined);
        equal(await store.seen('nope', 1), undefined);
        equal(await store.confirm('nope', 1), undefined);
        equal(await store.detach('nope', 1), undefined);
        equal(await store.end('nope'), undefined);
      });
    });
  });
}
