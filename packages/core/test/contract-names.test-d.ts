/**
 * Type tests for the names in a contract (checked by `tsc`, never run): a name starting with `$`, which the
 * client's own controls use (`$close`, `$on`), is a compile error at `contract()`, at any depth, as it is
 * refused at run time.
 */
import { contract, procedure, subscription } from '@ackwire/core';
import * as z from 'zod';

const p = () => procedure({ input: z.void(), output: z.void() });

contract({ close: p(), ns: { on: p(), a$: p() } });

// @ts-expect-error: `$close` is the client's own control
contract({ $close: p() });

contract({
  // @ts-expect-error: also inside a namespace
  ns: { $on: subscription({ input: z.void(), event: z.void() }) },
});

// @ts-expect-error: and as a namespace's name
contract({ $admin: { stats: p() } });
