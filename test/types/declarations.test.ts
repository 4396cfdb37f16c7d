/**
 * Declaration emit of users' packages, under a pnpm layout (pnpm-layout.ts: each package sees its direct
 * dependencies only):
 * - `app` exports an inferred contract, server and client; `tsc --declaration` emits them with no error
 *   (TS2742 "cannot be named without a reference to ..." in particular);
 * - `web` depends on a contract package, @ackwire/client and its peers (@ackwire/core, zod) and exports an
 *   inferred client; `named` depends on the contract package, @ackwire/client and zod only and exports a
 *   client annotated with `ClientOf<typeof api>`, so that its declarations name nothing else;
 * - `consumer` depends on `app`, `web` and `named` only (and Node's types) and uses their exports: it type-checks, with the
 *   types kept (a wrong input is still an error), so the emitted declarations resolve from where they are.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './generate.js';
import { project } from './pnpm-layout.js';

const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const base = mkdtempSync(join(tmpdir(), 'ackwire-pnpm-'));
afterAll(() => (process.env.KEEP_FIXTURE ? console.log(base) : rmSync(base, { recursive: true, force: true })));

const compilerOptions = (emit: boolean) => ({
  target: 'ES2022',
  module: 'ESNext',
  moduleResolution: 'Bundler',
  lib: ['ES2022', 'DOM'],
  strict: true,
  skipLibCheck: true,
  types: ['node'],
  ...(emit ? { declaration: true, emitDeclarationOnly: true, outDir: 'dist', rootDir: 'src' } : { noEmit: true }),
});

const pkg = (name: string, deps: string[]) =>
  JSON.stringify({ name, type: 'module', types: './dist/index.d.ts', exports: { '.': { types: './dist/index.d.ts' } }, dependencies: Object.fromEntries(deps.map((d) => [d, '*'])) });

const contractSource = `import { contract, procedure, subscription } from '@ackwire/core';
import * as z from 'zod';

export const api = contract(
  {
    math: { add: procedure({ input: z.object({ a: z.number(), b: z.number() }), output: z.number() }) },
    feed: subscription({ input: z.object({ room: z.string() }), event: z.object({ text: z.string(), at: z.date() }) }),
  },
  { params: z.object({ token: z.string() }) },
);
`;

function tsc(dir: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(process.execPath, [TSC, '-p', join(dir, 'tsconfig.json')], { timeout: 90_000 }, (_err, stdout, stderr) => resolve(stdout + stderr));
  });
}

describe('declarations of a user package under a pnpm layout', () => {
  const done = new Set<string>();
  const appDeps = ['@ackwire/core', '@ackwire/server', '@ackwire/client', 'zod', '@types/node'];
  const app = project(
    base,
    'app',
    {
      'package.json': pkg('app', appDeps),
      'tsconfig.json': JSON.stringify({ compilerOptions: compilerOptions(true), include: ['src'] }),
      'src/index.ts': `${contractSource}
import { createServer } from '@ackwire/server';
import { createClient } from '@ackwire/client';

export const server = createServer(api).implement({
  context: ({ params }) => ({ user: params.token }),
  handlers: { math: { add: ({ a, b }, { ctx }) => a + b + ctx.user.length }, feed: ({ room }) => room },
});
export const client = createClient(api, { url: 'ws://127.0.0.1:1/', params: { token: 't' } });
`,
    },
    appDeps,
    done,
  );
  const contractDeps = ['@ackwire/core', 'zod'];
  const contractPkg = project(
    base,
    'contract',
    {
      'package.json': pkg('contract', contractDeps),
      'tsconfig.json': JSON.stringify({ compilerOptions: { ...compilerOptions(true), types: [] }, include: ['src'] }),
      'src/index.ts': contractSource,
    },
    contractDeps,
    done,
  );
  const webDeps = ['contract', '@ackwire/client', '@ackwire/core', 'zod'];
  const web = project(
    base,
    'web',
    {
      'package.json': pkg('web', webDeps),
      'tsconfig.json': JSON.stringify({ compilerOptions: { ...compilerOptions(true), types: [] }, include: ['src'] }),
      'src/index.ts': `import { createClient } from '@ackwire/client';
import { api } from 'contract';

export const client = createClient(api, { url: 'ws://127.0.0.1:1/', params: { token: 't' } });
`,
    },
    webDeps,
    done,
    { contract: contractPkg },
  );
  const namedDeps = ['contract', '@ackwire/client', 'zod'];
  const named = project(
    base,
    'named',
    {
      'package.json': pkg('named', namedDeps),
      'tsconfig.json': JSON.stringify({ compilerOptions: { ...compilerOptions(true), types: [] }, include: ['src'] }),
      'src/index.ts': `import { createClient, type ClientOf } from '@ackwire/client';
import { api } from 'contract';

export const client: ClientOf<typeof api> = createClient(api, { url: 'ws://127.0.0.1:1/', params: { token: 't' } });
`,
    },
    namedDeps,
    done,
    { contract: contractPkg },
  );
  const consumer = project(
    base,
    'consumer',
    {
      // A Node app (it runs a server), so it has Node's types; Ackwire's packages are sources here.
      'tsconfig.json': JSON.stringify({ compilerOptions: compilerOptions(false), include: ['index.ts'] }),
      'index.ts': `import { api, client, server } from 'app';
import { client as webClient } from 'web';
import { client as namedClient } from 'named';

export async function use(): Promise<number> {
  const sum: number = await client.math.add({ a: 1, b: 2 });
  const again: number = await webClient.math.add({ a: 1, b: 2 });
  await server.publish(api.feed, 'r', { text: 'x', at: new Date() });
  webClient.feed.subscribe({ room: 'r' }, { onData: (event) => void event.at.getTime() });
  void webClient.$authenticate({ token: 'u' });
  const third: number = await namedClient.math.add({ a: 1, b: 2 });
  return sum + again + third;
}

// @ts-expect-error: a wrong input is still an error, so the types came through
void client.math.add({ a: '1', b: 2 });
// @ts-expect-error: params are still typed
void webClient.$authenticate({ token: 1 });
// @ts-expect-error: the annotated client keeps its types too
void namedClient.math.add({ a: 1 });
`,
    },
    ['app', 'web', 'named', '@types/node'],
    done,
    { app, web, named },
  );

  it('emits the declarations of a package exporting an inferred contract, server and client', async () => {
    expect(await tsc(app)).toBe('');
    const dts = readFileSync(join(app, 'dist/index.d.ts'), 'utf8');
    // Every module the declarations name is one of the package's own dependencies.
    const named = new Set([...dts.matchAll(/(?:from |import\()["']([^"']+)["']/g)].map((m) => m[1]!));
    for (const spec of named) expect(appDeps.some((d) => spec === d || spec.startsWith(`${d}/`)), spec).toBe(true);
    expect(dts).not.toMatch(/\.pnpm|node_modules|\/internal/);
  }, 120_000);

  it('emits the declarations of a package exporting a client of a contract from another package', async () => {
    expect(await tsc(contractPkg)).toBe('');
    expect(await tsc(web)).toBe('');
    const dts = readFileSync(join(web, 'dist/index.d.ts'), 'utf8');
    expect(dts).not.toMatch(/\.pnpm|node_modules|\/internal/);
  }, 120_000);

  it('emits declarations that name only the contract package and @ackwire/client for an annotated client', async () => {
    expect(await tsc(named)).toBe('');
    const dts = readFileSync(join(named, 'dist/index.d.ts'), 'utf8');
    const modules = new Set([...dts.matchAll(/(?:from |import\()["']([^"']+)["']/g)].map((m) => m[1]!));
    expect([...modules].sort()).toEqual(['@ackwire/client', 'contract']);
  }, 120_000);

  it('lets a package that sees only those packages use their exports, typed', async () => {
    expect(await tsc(consumer)).toBe('');
  }, 120_000);
});
