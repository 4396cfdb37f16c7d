/**
 * The broker rules on the in-memory broker, and on the same broker answering asynchronously after random
 * (seeded) delays, which is how a broker over the network answers.
 */
import { describe, it } from 'vitest';
import { MemoryBroker, type Broker } from '@ackwire/server';
import { brokerConformance } from '@ackwire/server/testing';
import { AsyncBroker } from '../../../test/helpers/async-broker.js';

/** The in-memory broker keeps nothing between processes: losing history is a new broker (a restart). */
function memoryBackend(wrap: (b: MemoryBroker) => Broker) {
  let clock = 1_000_000;
  return {
    shared: false,
    create: (r: { retainCount?: number; retainMs?: number } = {}) => wrap(new MemoryBroker({ ...r, now: () => clock })),
    loseHistory: () => wrap(new MemoryBroker({ now: () => clock })),
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

brokerConformance('MemoryBroker', memoryBackend((b) => b), { describe, it });

let seed = 1;
brokerConformance('MemoryBroker answering asynchronously (seeded random delays)', memoryBackend((b) => new AsyncBroker(b, seed++)), { describe, it });
