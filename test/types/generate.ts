/**
 * Generates a project for measuring type-checking cost: N procedures spread over 50 namespaces, each with its
 * own zod input and output object (no two procedures share a shape, so the checker cannot reuse work), a
 * server handler for each and a typed client call to each. The same schemas are written once for Ackwire
 * and once for tRPC v11, each system in its own directory with its own tsconfig.json.
 *
 * A third project, `zod`, holds the same schemas and nothing but the zod types that both systems must
 * compute: what each costs above it is its own.
 *
 * tRPC resolves to its published declarations (checked with skipLibCheck, as users do). Ackwire resolves
 * either to the packages' sources (the repo's path mapping; the budget test, which runs without a build),
 * whose figures then include checking the library itself, about 17,000 instantiations and 25 MB, or, with
 * `declarations`, to the built declarations as a user's project does (the table, which builds first).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `zod`: the same schemas and only the four zod types per procedure any typed RPC needs (the handler's
 * input and return, the caller's input and result), as a floor for both. They are read as zod's own
 * `z.input`/`z.output` read them (`_zod.input`, `_zod.output`) without the conditional type around them,
 * the least a library can compute: through `z.input`/`z.output` the same project costs about 48
 * instantiations more per procedure. */
export type System = 'ackwire' | 'trpc' | 'zod';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const NAMESPACES = 50;

/** Where generated projects go (ignored by git). */
export const GENERATED = join(ROOT, 'test/types/.generated');

interface Proc {
  ns: string;
  name: string;
  input: string;
  output: string;
  result: string;
  call: string;
}

/** The i-th procedure: schemas whose field names carry i, a handler returning a valid output, a call. */
function proc(i: number): Proc {
  return {
    ns: `ns${i % NAMESPACES}`,
    name: `p${i}`,
    input: `z.object({ id${i}: z.string(), n${i}: z.number(), tags${i}: z.array(z.string()).optional() })`,
    output: `z.object({ ok${i}: z.boolean(), v${i}: z.string(), at${i}: z.number() })`,
    result: `{ ok${i}: true, v${i}: input.id${i}, at${i}: input.n${i} }`,
    call: `{ id${i}: 'x', n${i}: ${i} }`,
  };
}

function byNamespace(n: number): Map<string, Proc[]> {
  const out = new Map<string, Proc[]>();
  for (let i = 0; i < n; i++) {
    const p = proc(i);
    let list = out.get(p.ns);
    if (!list) out.set(p.ns, (list = []));
    list.push(p);
  }
  return out;
}

function tsconfig(dir: string, system: System, declarations: boolean): string {
  const rel = (p: string) => relative(dir, join(ROOT, p));
  const paths =
    system === 'ackwire' && !declarations
      ? {
          '@ackwire/core': [rel('packages/core/src/index.ts')],
          '@ackwire/core/internal': [rel('packages/core/src/internal.ts')],
          '@ackwire/server': [rel('packages/server/src/index.ts')],
          '@ackwire/client': [rel('packages/client/src/index.ts')],
        }
      : undefined;
  return JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'Bundler',
        lib: ['ES2022', 'DOM'],
        strict: true,
        skipLibCheck: true,
        isolatedModules: true,
        verbatimModuleSyntax: true,
        noEmit: true,
        types: ['node'],
        ...(paths ? { paths } : {}),
      },
      include: ['*.ts'],
    },
    null,
    2,
  );
}

function ackwire(n: number): Record<string, string> {
  const groups = byNamespace(n);
  const contract = [
    `import { contract, procedure } from '@ackwire/core';`,
    `import * as z from 'zod';`,
    ``,
    `export const api = contract({`,
    ...[...groups].flatMap(([ns, procs]) => [
      `  ${ns}: {`,
      ...procs.map((p) => `    ${p.name}: procedure({ input: ${p.input}, output: ${p.output} }),`),
      `  },`,
    ]),
    `});`,
  ];
  const server = [
    `import { createServer } from '@ackwire/server';`,
    `import { api } from './contract.js';`,
    ``,
    `export const server = createServer(api).implement({`,
    `  handlers: {`,
    ...[...groups].flatMap(([ns, procs]) => [`    ${ns}: {`, ...procs.map((p) => `      ${p.name}: (input) => (${p.result}),`), `    },`]),
    `  },`,
    `});`,
  ];
  const client = [
    `import { createClient } from '@ackwire/client';`,
    `import { api } from './contract.js';`,
    ``,
    `export const client = createClient(api, { url: 'ws://127.0.0.1:1/' });`,
    ``,
    `export async function callAll(): Promise<unknown[]> {`,
    `  const out: unknown[] = [];`,
    ...[...groups].flatMap(([ns, procs]) => procs.map((p) => `  out.push((await client.${ns}.${p.name}(${p.call})).v${p.name.slice(1)});`)),
    `  return out;`,
    `}`,
  ];
  return { 'contract.ts': contract.join('\n') + '\n', 'server.ts': server.join('\n') + '\n', 'client.ts': client.join('\n') + '\n' };
}

function trpc(n: number): Record<string, string> {
  const groups = byNamespace(n);
  const router = [
    `import { initTRPC } from '@trpc/server';`,
    `import * as z from 'zod';`,
    ``,
    `const t = initTRPC.create();`,
    ``,
    `export const appRouter = t.router({`,
    ...[...groups].flatMap(([ns, procs]) => [
      `  ${ns}: t.router({`,
      ...procs.map((p) => `    ${p.name}: t.procedure.input(${p.input}).output(${p.output}).mutation(({ input }) => (${p.result})),`),
      `  }),`,
    ]),
    `});`,
    ``,
    `export type AppRouter = typeof appRouter;`,
  ];
  const client = [
    `import { createTRPCClient, httpBatchLink } from '@trpc/client';`,
    `import type { AppRouter } from './router.js';`,
    ``,
    `export const client = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: 'http://127.0.0.1:1/' })] });`,
    ``,
    `export async function callAll(): Promise<unknown[]> {`,
    `  const out: unknown[] = [];`,
    ...[...groups].flatMap(([ns, procs]) => procs.map((p) => `  out.push((await client.${ns}.${p.name}.mutate(${p.call})).v${p.name.slice(1)});`)),
    `  return out;`,
    `}`,
  ];
  return { 'router.ts': router.join('\n') + '\n', 'client.ts': client.join('\n') + '\n' };
}

function zodOnly(n: number): Record<string, string> {
  const lines = [`import * as z from 'zod';`, ``];
  for (let i = 0; i < n; i++) {
    const p = proc(i);
    lines.push(`const i${i} = ${p.input};`, `const o${i} = ${p.output};`);
    lines.push(`export const handler${i} = (input: (typeof i${i})['_zod']['output']): (typeof o${i})['_zod']['input'] => (${p.result});`);
    lines.push(`export const input${i}: (typeof i${i})['_zod']['input'] = ${p.call};`);
    lines.push(`export const result${i} = (r: (typeof o${i})['_zod']['output']) => r.v${i};`);
  }
  return { 'types.ts': lines.join('\n') + '\n' };
}

export interface GenerateOptions {
  /** Where the project goes; default GENERATED. Keep it inside the repo: the project resolves its packages
   * from the repo's node_modules. */
  base?: string;
  /** Ackwire from its built declarations (run `npm run build` first) instead of its sources. */
  declarations?: boolean;
}

/** Write the project of `system` for N procedures; returns its directory. */
export function generate(system: System, n: number, { base = GENERATED, declarations = false }: GenerateOptions = {}): string {
  const dir = join(base, `${system}-${n}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files = system === 'ackwire' ? ackwire(n) : system === 'trpc' ? trpc(n) : zodOnly(n);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, 'tsconfig.json'), tsconfig(dir, system, declarations) + '\n');
  return dir;
}
