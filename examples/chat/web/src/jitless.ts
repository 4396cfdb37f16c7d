// The server's Content-Security-Policy forbids eval. zod probes for it when a schema is built (the
// browser then reports a violation) unless told not to; this module runs before the contract's.
import * as z from 'zod';

z.config({ jitless: true });
