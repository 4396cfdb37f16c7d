/**
 * Enabling zod's compiler for validation (validate.ts). Its own module so that only the entry points that
 * call it (the server, the Node client) bring zod's compiler, and the checks and cache around it, into a
 * bundle; the browser client does not. Feature-detected: zod before 4.6 has no `compile()`, and validation
 * then uses zod's interpreter.
 */
import * as z from 'zod/v4/core';
import { useParsers, type Schema } from './validate.js';

type Compile = <T extends z.$ZodType>(schema: T) => T;

let evalAllowed: boolean | undefined;

/** zod's `jitless` is off and the environment may evaluate code (probed once). */
function mayCompile(): boolean {
  if (z.config().jitless === true) return false;
  if (evalAllowed === undefined) {
    try {
      evalAllowed = typeof new Function('return 1') === 'function';
    } catch {
      evalAllowed = false;
    }
  }
  return evalAllowed;
}

const compiled = new WeakMap<Schema, Schema>();

/** A schema's parser, decided on its first parse and kept. */
function compiledParser(compile: Compile) {
  return <S extends Schema>(schema: S): S => {
    let parser = compiled.get(schema);
    if (parser === undefined) {
      parser = schema;
      if (mayCompile()) {
        try {
          parser = compile(schema as unknown as z.$ZodType) as unknown as Schema;
        } catch {
          parser = schema; // compile() does not throw by its contract; a schema zod cannot copy stays as it is
        }
      }
      compiled.set(schema, parser);
    }
    return parser as S;
  };
}

export function enableZodCompiler(): void {
  const compile = (z as { compile?: unknown }).compile;
  if (typeof compile === 'function') useParsers(compiledParser(compile as Compile));
}
