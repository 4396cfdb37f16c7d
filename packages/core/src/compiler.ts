/**
 * Enabling zod's compiler for validation (validate.ts). Its own module so that only the entry points that
 * call it (the server, the Node client) bring zod's compiler into a bundle; the browser client does not.
 * Feature-detected: zod before 4.6 has no `compile()`, and validation then uses zod's interpreter.
 */
import * as z from 'zod/v4/core';
import { useCompiler, type Compile } from './validate.js';

export function enableZodCompiler(): void {
  const compile = (z as { compile?: unknown }).compile;
  if (typeof compile === 'function') useCompiler(compile as Compile);
}
