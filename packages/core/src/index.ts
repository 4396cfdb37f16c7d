export * from './errors.js';
export * from './contract.js';
export * from './codec.js';
export * from './protocol.js';
export { canonicalJson } from './canonical.js';
export { isZodSchema } from './validate.js';
