/**
 * The broker rules of broker.ts as a test suite, for every backend to run against its real store:
 *
 *   import { describe, it } from 'vitest';
 *   brokerConformance('my broker', { create, loseHistory, advance, shared: true }, { describe, it });
 *
 * It needs only `describe` and `it` of the test runner (and `it.fails` for known failures) and asserts with
 * node:assert, so it brings no test framework into the package.
 */
import { deepStrictEqual, equal, notEqual, ok } from 'node:assert/strict';
import type { Broker, BrokerEvent, ReadResult, TopicHead } from './broker.js';

export interface ConformanceTestApi {
  describe(name: string, fn: () => void): void;
  it: {
    (name: string, fn: () => Promise<void>, timeout?: number): void;
    /** Runs a case that is expected to fail (vitest's `it.fails`). */
    fails?: (name: string, fn: () => Promise<void>, timeout?: number) => void;
  };
}

export interface BrokerRetention {
  retainCount?: number;
  retainMs?: number;
}

export interface BrokerUnderTest {
  /** A broker on the backend's store with these retention settings. The suite closes it. */
  create(retention?: BrokerRetention): Promise<Broker> | Broker;
  /**
   * Make the store lose every topic's history (a restart without persistence, a flush) and return a broker
   * on what is left (it may be `broker` itself).
   */
  loseHistory(broker: Broker): Promise<Broker> | Broker;
  /** Let at least `ms` pass on the store's clock. */
  advance(ms: number): Promise<void> | void;
  /** Whether two brokers from `create` share one store (several processes on one Redis, say). */
  shared: boolean;
  /** Cases known to fail, by name, with why; they run as expected failures so that they stay visible. */
  knownFailures?: Readonly<Record<string, string>>;
  /** Per-case timeout in ms. Default 20,000. */
  timeoutMs?: number;
}

interface Collector {
  readonly events: BrokerEvent[];
  readonly lost: TopicHead[];
  onEvent(event: BrokerEvent): void;
  onLost(head: TopicHead): void;
  /** Resolves once `n` events arrived; fails after `ms`. */
  until(n: number, ms?: number): Promise<void>;
  /** Resolves once `done()` holds (checked on every event and loss); fails after `ms` saying `what`. */
  when(done: () => boolean, what: string, ms?: number): Promise<void>;
}

function collector(): Collector {
  const waiters = new Set<() => void>();
  const changed = (): void => {
    for (const w of [...waiters]) w();
  };
  const c: Collector = {
    events: [],
    lost: [],
    onEvent(event) {
      c.events.push(event);
      changed();
    },
    onLost(head) {
      c.lost.push(head);
      changed();
    },
    until(n, ms = 10_000) {
      return c.when(() => c.events.length >= n, `${n} events (got ${c.events.length})`, ms);
    },
    when(done, what, ms = 10_000) {
      if (done()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (!done()) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${what} within ${ms} ms`));
        }, ms);
        waiters.add(check);
      });
    },
  };
  return c;
}

const offsets = (events: readonly BrokerEvent[]): number[] => events.map((e) => e.offset);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function eventsOf(r: ReadResult): readonly BrokerEvent[] {
  if ('gap' in r) throw new Error(`expected events, got a gap (${r.gap})`);
  return r.events;
}

function gapOf(r: ReadResult): string {
  if (!('gap' in r)) throw new Error(`expected a gap, got ${r.events.length} events`);
  return r.gap;
}

let topicCounter = 0;
const unique = (name: string): string => `conformance ${name} ${process.pid}.${Date.now().toString(36)}.${++topicCounter}`;

/** Register the conformance cases for one backend. */
export function brokerConformance(name: string, backend: BrokerUnderTest, t: ConformanceTestApi): void {
  const timeout = backend.timeoutMs ?? 20_000;
  const known = backend.knownFailures ?? {};

  /** Each case gets fresh brokers and closes them, pass or fail. */
  const use = (label: string, fn: (make: (r?: BrokerRetention) => Promise<Broker>, close: (b: Broker) => Promise<void>) => Promise<void>): void => {
    const body = async (): Promise<void> => {
      const opened = new Set<Broker>();
      const make = async (r?: BrokerRetention): Promise<Broker> => {
        const b = await backend.create(r);
        opened.add(b);
        return b;
      };
      const close = async (b: Broker): Promise<void> => {
        opened.delete(b);
        await b.close?.();
      };
      try {
        await fn(make, close);
      } finally {
        for (const b of opened) await b.close?.();
      }
    };
    const why = known[label];
    if (why !== undefined) {
      if (!t.it.fails) throw new Error(`brokerConformance: "${label}" is a known failure but the test API has no it.fails`);
      t.it.fails(`${label} [KNOWN FAILURE: ${why}]`, body, timeout);
    } else t.it(label, body, timeout);
  };

  t.describe(`broker conformance: ${name}`, () => {
    use('offsets start at 1 and rise by one per event; publish returns the head', async (make) => {
      const b = await make();
      const topic = unique('offsets');
      const heads: TopicHead[] = [];
      for (let i = 0; i < 5; i++) heads.push(await b.publish(topic, { i }));
      deepStrictEqual(heads.map((h) => h.offset), [1, 2, 3, 4, 5]);
      equal(new Set(heads.map((h) => h.epoch)).size, 1);
      ok(heads[0]!.epoch.length >= 1 && heads[0]!.epoch.length <= 128, 'an epoch is 1 to 128 characters');
    });

    use('listen returns the current head and delivers every later event in offset order', async (make) => {
      const b = await make();
      const topic = unique('listen');
      await b.publish(topic, 'a');
      await b.publish(topic, 'b');
      const c = collector();
      const l = await b.listen(topic, c.onEvent, c.onLost);
      equal(l.head.offset, 2);
      for (let i = 0; i < 20; i++) await b.publish(topic, i);
      await c.until(20);
      deepStrictEqual(offsets(c.events), range(3, 22));
      deepStrictEqual(c.events.map((e) => e.data), range(0, 19));
      ok(c.events.every((e) => e.epoch === l.head.epoch));
      l.stop();
    });

    use('listeners of one topic each get every event; stop ends delivery', async (make) => {
      const b = await make();
      const topic = unique('share');
      const one = collector();
      const two = collector();
      const l1 = await b.listen(topic, one.onEvent);
      const l2 = await b.listen(topic, two.onEvent);
      await b.publish(topic, 1);
      await Promise.all([one.until(1), two.until(1)]);
      l1.stop();
      await b.publish(topic, 2);
      await two.until(2);
      // A marker on another listener shows the second publish has been delivered everywhere it would be.
      deepStrictEqual(offsets(one.events), [1]);
      deepStrictEqual(offsets(two.events), [1, 2]);
      l2.stop();
    });

    use('read: events after an offset up to the head; at the head nothing; beyond it or in another epoch an epoch gap', async (make) => {
      const b = await make();
      const topic = unique('read');
      let head: TopicHead = { epoch: '', offset: 0 };
      for (let i = 1; i <= 6; i++) head = await b.publish(topic, { n: i });
      const r = await b.read(topic, { epoch: head.epoch, offset: 2 });
      deepStrictEqual(offsets(eventsOf(r)), [3, 4, 5, 6]);
      deepStrictEqual(eventsOf(r).map((e) => e.data), [{ n: 3 }, { n: 4 }, { n: 5 }, { n: 6 }]);
      deepStrictEqual(r.head, head);
      deepStrictEqual(eventsOf(await b.read(topic, { epoch: head.epoch, offset: 6 })), []);
      equal(gapOf(await b.read(topic, { epoch: head.epoch, offset: 7 })), 'epoch');
      const other = await b.read(topic, { epoch: 'not-this-epoch', offset: 1 });
      equal(gapOf(other), 'epoch');
      deepStrictEqual(other.head, head);
    });

    use('a topic never published to: an epoch gap for any resume point, and a head whose epoch publishes keep', async (make) => {
      const b = await make();
      const topic = unique('empty');
      const r = await b.read(topic, { epoch: 'made-up', offset: 3 });
      equal(gapOf(r), 'epoch');
      equal(r.head.offset, 0);
      ok(r.head.epoch.length > 0);
      const l = await b.listen(topic, () => undefined);
      deepStrictEqual(l.head, r.head);
      const first = await b.publish(topic, 'x');
      deepStrictEqual(first, { epoch: r.head.epoch, offset: 1 });
      deepStrictEqual(offsets(eventsOf(await b.read(topic, { epoch: r.head.epoch, offset: 0 }))), [1]);
      l.stop();
    });

    use('read after listen: the replay and the live events together have every offset once', async (make) => {
      const b = await make();
      const topic = unique('join');
      for (let i = 0; i < 10; i++) await b.publish(topic, i);
      const c = collector();
      const l = await b.listen(topic, c.onEvent);
      const publishing = Promise.all(range(1, 10).map((i) => b.publish(topic, 100 + i)));
      const r = await b.read(topic, { epoch: l.head.epoch, offset: 0 });
      await publishing;
      await c.until(10);
      const seen = new Map<number, unknown>();
      for (const e of [...eventsOf(r), ...c.events]) seen.set(e.offset, e.data);
      deepStrictEqual([...seen.keys()].sort((x, y) => x - y), range(1, 20));
      deepStrictEqual(offsets(c.events), range(11, 20));
      ok(offsets(eventsOf(r)).every((o, i) => o === i + 1), 'the replay is contiguous from 1');
      l.stop();
    });

    use('count retention: the oldest events go, and resuming before them is a retention gap', async (make) => {
      const b = await make({ retainCount: 3 });
      const topic = unique('count');
      let head: TopicHead = { epoch: '', offset: 0 };
      for (let i = 1; i <= 6; i++) head = await b.publish(topic, i);
      deepStrictEqual(offsets(eventsOf(await b.read(topic, { epoch: head.epoch, offset: 3 }))), [4, 5, 6]);
      const r = await b.read(topic, { epoch: head.epoch, offset: 2 });
      equal(gapOf(r), 'retention');
      deepStrictEqual(r.head, head);
      equal(gapOf(await b.read(topic, { epoch: head.epoch, offset: 0 })), 'retention');
    });

    use('age retention: events older than retainMs go, and resuming before them is a retention gap', async (make) => {
      const b = await make({ retainMs: 300 });
      const topic = unique('age');
      const first = await b.publish(topic, 'old');
      await backend.advance(600);
      const head = await b.publish(topic, 'new');
      equal(head.epoch, first.epoch);
      const r = await b.read(topic, { epoch: head.epoch, offset: 0 });
      equal(gapOf(r), 'retention');
      deepStrictEqual(r.head, head);
    });

    use('age retention: an idle topic whose events all aged out keeps its epoch; resuming is a retention gap', async (make) => {
      const b = await make({ retainMs: 300 });
      const topic = unique('idle');
      await b.publish(topic, 1);
      const head = await b.publish(topic, 2);
      await backend.advance(1200);
      const r = await b.read(topic, { epoch: head.epoch, offset: 1 });
      equal(gapOf(r), 'retention');
      deepStrictEqual(r.head, head);
      deepStrictEqual(eventsOf(await b.read(topic, { epoch: head.epoch, offset: 2 })), []);
      deepStrictEqual(await b.publish(topic, 3), { epoch: head.epoch, offset: 3 });
    });

    use('a lost history is a new epoch: old resume points get an epoch gap and offsets start at 1', async (make) => {
      let b = await make();
      const topic = unique('lost');
      const old = await b.publish(topic, 'before');
      await b.publish(topic, 'before');
      b = await backend.loseHistory(b);
      const r = await b.read(topic, { epoch: old.epoch, offset: 2 });
      equal(gapOf(r), 'epoch');
      notEqual(r.head.epoch, old.epoch);
      const next = await b.publish(topic, 'after');
      deepStrictEqual(next, { epoch: r.head.epoch, offset: 1 });
      await b.close?.();
    });

    if (backend.shared) {
      use('a listener hears that the history was lost: onLost, or events of another epoch', async (make) => {
        const a = await make();
        const topic = unique('lost-live');
        const c = collector();
        const l = await a.listen(topic, c.onEvent, c.onLost);
        await a.publish(topic, 1);
        await c.until(1);
        const b = await backend.loseHistory(await make());
        const after = await b.publish(topic, 2);
        notEqual(after.epoch, l.head.epoch);
        // Either signal will do; what must not happen is a silent continuation.
        await c.when(() => c.lost.length > 0 || c.events.some((e) => e.epoch !== l.head.epoch), 'the listener to be told that the history was lost');
        ok(c.events.every((e) => e.epoch !== l.head.epoch || e.offset === 1), 'no event of the old epoch after the loss');
        l.stop();
      });
    }

    use('concurrent publishes get distinct consecutive offsets, and listeners get them in order', async (make) => {
      const a = await make();
      const b = backend.shared ? await make() : a;
      const topic = unique('concurrent');
      const ca = collector();
      const cb = collector();
      const la = await a.listen(topic, ca.onEvent);
      const lb = await b.listen(topic, cb.onEvent);
      const heads = await Promise.all(range(1, 100).map((i) => (i % 2 ? a : b).publish(topic, i)));
      deepStrictEqual(heads.map((h) => h.offset).sort((x, y) => x - y), range(1, 100));
      await Promise.all([ca.until(100), cb.until(100)]);
      deepStrictEqual(offsets(ca.events), range(1, 100));
      deepStrictEqual(offsets(cb.events), range(1, 100));
      // Every listener sees the same event at each offset.
      deepStrictEqual(ca.events.map((e) => e.data), cb.events.map((e) => e.data));
      la.stop();
      lb.stop();
    });

    use('many topics: offsets, reads and deliveries are per topic', async (make) => {
      const b = await make();
      const topics = range(1, 30).map((i) => unique(`many-${i}`));
      const cs = topics.map(() => collector());
      const ls = await Promise.all(topics.map((topic, i) => b.listen(topic, cs[i]!.onEvent)));
      await Promise.all(topics.flatMap((topic, i) => range(1, 5).map(() => b.publish(topic, i))));
      await Promise.all(cs.map((c) => c.until(5)));
      cs.forEach((c, i) => {
        deepStrictEqual(offsets(c.events), range(1, 5));
        ok(c.events.every((e) => e.data === i), `topic ${i} got only its own events`);
      });
      const r = await b.read(topics[7]!, { epoch: ls[7]!.head.epoch, offset: 0 });
      deepStrictEqual(offsets(eventsOf(r)), range(1, 5));
      for (const l of ls) l.stop();
    });

    use('topic names with braces, spaces and other characters', async (make) => {
      const b = await make();
      for (const raw of ['}{', '{a}', 'chat {"room":"x"}', '%7B', 'ü 😀', '', '}']) {
        const topic = unique('names') + raw;
        const head = await b.publish(topic, raw);
        deepStrictEqual(eventsOf(await b.read(topic, { epoch: head.epoch, offset: 0 })).map((e) => e.data), [raw]);
      }
    });

    use('event data arrives as published: nested values, Date, Map, undefined fields, BigInt', async (make) => {
      const b = await make();
      const topic = unique('data');
      const data = { n: 1, s: 'x', nested: { list: [1, 'two', null] }, at: new Date(1_700_000_000_000), map: new Map([['k', 1]]), gone: undefined, big: 12345678901234567890n };
      // A listener on another broker of the store too: the event crosses the store to reach it.
      const other = backend.shared ? await make() : b;
      const c = collector();
      const d = collector();
      const l = await b.listen(topic, c.onEvent);
      const m = await other.listen(topic, d.onEvent);
      const head = await b.publish(topic, data);
      await Promise.all([c.until(1), d.until(1)]);
      deepStrictEqual(c.events[0]!.data, data);
      deepStrictEqual(d.events[0]!.data, data);
      deepStrictEqual(eventsOf(await other.read(topic, { epoch: head.epoch, offset: 0 }))[0]!.data, data);
      l.stop();
      m.stop();
    });

    use('a long replay returns every retained event in order', async (make) => {
      const b = await make({ retainCount: 5000 });
      const topic = unique('long');
      let head: TopicHead = { epoch: '', offset: 0 };
      for (let i = 0; i < 25; i++) {
        const batch = await Promise.all(range(1, 100).map((j) => b.publish(topic, i * 100 + j)));
        head = batch.reduce((m, h) => (h.offset > m.offset ? h : m), head);
      }
      const events = eventsOf(await b.read(topic, { epoch: head.epoch, offset: 10 }));
      deepStrictEqual(offsets(events), range(11, 2500));
      ok(events.every((e) => e.epoch === head.epoch));
    });
  });
}
