/** The Ackwire contracts of the benchmark: the echo procedure and the fan-out subscription. */
import { contract, procedure, subscription } from '@ackwire/core';
import { z } from 'zod';
import { BenchEvent, Echo } from '../payload.js';

export const api = contract({
  bench: {
    echo: procedure({ input: Echo, output: Echo }),
    events: subscription({ input: z.object({ topic: z.string().max(64) }), event: BenchEvent }),
  },
});

/**
 * The same procedures with schemas that accept anything (`z.any()`, which Ackwire checks as a no-op): the
 * `ackwire-unchecked` system, which shows what validating inputs, outputs and events costs. Typed as `api`
 * so both run through the same server and client code; only the checks differ.
 */
export const apiUnchecked = contract({
  bench: {
    echo: procedure({ input: z.any(), output: z.any() }),
    events: subscription({ input: z.any(), event: z.any() }),
  },
}) as unknown as typeof api;
