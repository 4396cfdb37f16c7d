/**
 * `@ackwire/core/internal`: what @ackwire/server and @ackwire/client share beyond the public API (write
 * coalescing, validation on the wire). Not for applications: it may change in any release, and no public
 * type refers to it.
 */
export { TickCorker, flushCorked, type Corkable } from './cork.js';
export { socketOf, holdReceiver, canHoldReceiver } from './ws-private.js';
export { parseFromWire, parseSync, parseAsync, isAsyncSchemaError, type ParseResult } from './validate.js';
export { enableZodCompiler } from './compiler.js';
