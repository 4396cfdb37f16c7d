/** The in-memory broker's topics: what a resume point of a forgotten topic is told, and what idle topics cost. */
import { expect, it } from 'vitest';
import { MemoryBroker } from '../src/memory-broker.js';

it('an idle topic whose events aged out is dropped but keeps its head: a resume before it is a retention gap, at it no gap', () => {
  let now = 1_000_000;
  const broker = new MemoryBroker({ retainMs: 1_000, now: () => now });
  try {
    broker.publish('room', 'hello');
    const head = broker.publish('room', 'again');
    now += 5_000;
    broker.sweep(); // the topic is idle, its history empty: dropped, its head remembered
    expect(broker.topicCount).toBe(0);
    expect(broker.read('room', { epoch: head.epoch, offset: 1 })).toEqual({ gap: 'retention', head });
    expect(broker.read('room', head)).toEqual({ events: [], head });
    expect(broker.publish('room', 'later')).toEqual({ epoch: head.epoch, offset: 3 });
  } finally {
    broker.close();
  }
});

it('a dropped topic whose head was forgotten too (past maxReleasedTopics) reports a retention gap, not an epoch gap', () => {
  let now = 1_000_000;
  const broker = new MemoryBroker({ retainMs: 1_000, maxReleasedTopics: 1, now: () => now });
  try {
    const head = broker.publish('room', 'hello');
    broker.publish('other', 'hello');
    now += 5_000;
    broker.sweep(); // both dropped; only the last one's head is remembered
    const read = broker.read('room', head);
    expect(read).toMatchObject({ gap: 'retention' });
    expect((read as { head: { epoch: string } }).head.epoch).not.toBe(head.epoch);
  } finally {
    broker.close();
  }
});

it('a resume point from another broker (a restart) reports an epoch gap', () => {
  const before = new MemoryBroker();
  const after = new MemoryBroker();
  try {
    const head = before.publish('room', 'hello');
    after.publish('room', 'again');
    expect(after.read('room', head)).toMatchObject({ gap: 'epoch' });
  } finally {
    before.close();
    after.close();
  }
});

it('10,000 listen/stop pairs on topics never published leave no topic behind', () => {
  const broker = new MemoryBroker({ maxReleasedTopics: 100 });
  try {
    for (let i = 0; i < 10_000; i++) broker.listen(`t${i}`, () => undefined).stop();
    expect(broker.topicCount).toBe(0);
  } finally {
    broker.close();
  }
});

it('a never-published topic dropped and published again keeps its epoch: its subscriber resumes without a gap', () => {
  const broker = new MemoryBroker();
  try {
    const listening = broker.listen('room', () => undefined);
    const seen = listening.head;
    listening.stop();
    expect(broker.topicCount).toBe(0);
    broker.publish('room', 'first');
    const read = broker.read('room', seen);
    expect(read).toMatchObject({ head: { epoch: seen.epoch, offset: 1 } });
    expect('events' in read && read.events.map((e) => e.data)).toEqual(['first']);
  } finally {
    broker.close();
  }
});
