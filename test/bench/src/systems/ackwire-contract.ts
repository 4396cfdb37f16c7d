/** The Ackwire contract of the benchmark: the echo procedure and the fan-out subscription. */
import { contract, procedure, subscription } from '@ackwire/core';
import { z } from 'zod';
import { BenchEvent, Echo } from '../payload.js';

export const api = contract({
  bench: {
    echo: procedure({ input: Echo, output: Echo }),
    events: subscription({ input: z.object({ topic: z.string().max(64) }), event: BenchEvent }),
  },
});
