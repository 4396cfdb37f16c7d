/**
 * What `npm pack` ships (for each package) is what a user needs, and it works from both module systems: exactly the builds,
 * their types (`.d.ts` for import, `.d.cts` for require), README, LICENSE and package.json; attw finds no
 * problem in any package; an outside CommonJS project and an outside ES module project, installed from the
 * tarballs, type-check (TypeScript `node16`) and run a call against a server.
 */
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPackages, packAll, PACKAGES, ROOT, type Packed } from './helpers.js';

const run = promisify(execFile);
let packed: Record<(typeof PACKAGES)[number], Packed>;
let cleanup: (() => void) | undefined;

beforeAll(async () => {
  await buildPackages();
  ({ packed, cleanup } = await packAll());
}, 180_000);
afterAll(() => cleanup?.());

const common = ['LICENSE', 'README.md', 'package.json', 'dist/index.cjs', 'dist/index.d.cts', 'dist/index.d.ts', 'dist/index.js'];

describe('npm pack', () => {
  it('core and redis ship their builds, types for both module systems, README and LICENSE, nothing else', () => {
    // Core also ships @ackwire/core/internal (what server and client share), with its node10 stub, and the
    // chunks its two entries share.
    const coreChunks = packed.core.files.filter((f) => /^dist\/(chunk-[\w-]+\.js|[a-z]+-[\w-]+\.d\.c?ts)$/.test(f));
    const internal = ['dist/internal.cjs', 'dist/internal.d.cts', 'dist/internal.d.ts', 'dist/internal.js', 'internal/package.json'];
    expect(packed.core.files.filter((f) => !coreChunks.includes(f))).toStrictEqual([...common, ...internal].sort());
    const coreEntries = ['index.js', 'internal.js', 'index.d.ts', 'internal.d.ts', 'index.d.cts', 'internal.d.cts']
      .map((f) => readFileSync(join(ROOT, 'packages/core/dist', f), 'utf8'))
      .join('\n');
    for (const chunk of coreChunks) expect(coreEntries, chunk).toContain(chunk.slice('dist/'.length).replace(/\.d\.c?ts$/, ''));
    expect(packed.redis.files).toStrictEqual([...common].sort());
  });

  it('server ships the core, the ws binding (@ackwire/server/ws), the conformance suites (@ackwire/server/testing), their shared chunks, and the same', () => {
    const files = packed.server.files;
    const chunks = files.filter((f) => /^dist\/(chunk-[\w-]+\.js|[a-z-]+-[\w-]+\.d\.c?ts)$/.test(f));
    const ws = ['dist/ws/index.cjs', 'dist/ws/index.d.cts', 'dist/ws/index.d.ts', 'dist/ws/index.js', 'ws/package.json'];
    const testing = ['dist/testing.cjs', 'dist/testing.d.cts', 'dist/testing.d.ts', 'dist/testing.js', 'testing/package.json'];
    expect(files.filter((f) => !chunks.includes(f))).toStrictEqual([...common, ...ws, ...testing].sort());
    // The chunks are those the entries import (a leftover from an earlier build would not be).
    const read = (f: string) => readFileSync(join(ROOT, 'packages/server/dist', f), 'utf8');
    const entries = ['index', 'ws/index', 'testing'].flatMap((e) => ['.js', '.cjs', '.d.ts', '.d.cts'].map((x) => read(e + x))).join('\n');
    for (const chunk of chunks) expect(entries, chunk).toContain(chunk.slice('dist/'.length).replace(/\.d\.c?ts$/, ''));
    // The main entry holds no test code: the suites and their node:assert are in @ackwire/server/testing only.
    for (const f of ['index.js', 'index.cjs']) expect(read(f), f).not.toMatch(/node:assert|brokerConformance|sessionStoreConformance/);
    expect(read('testing.js')).toMatch(/brokerConformance/);
  });

  it('client ships the browser and Node entries, their shared chunks, and the same', () => {
    const files = packed.client.files;
    // Declarations shared by both entries land in a chunk named after one of their modules (types, refusal,
    // restore) and a content hash, which may hold `-` and `_`.
    const chunks = files.filter((f) => /^dist\/(chunk-[\w-]+\.js|[a-z-]+-[\w-]{8}\.d\.c?ts)$/.test(f));
    expect(files.filter((f) => !chunks.includes(f))).toStrictEqual([...common, 'dist/node.cjs', 'dist/node.d.cts', 'dist/node.d.ts', 'dist/node.js'].sort());
    // The chunks are those the entries import (a leftover from an earlier build would not be).
    const entries = ['index.js', 'node.js', 'index.d.ts', 'node.d.ts', 'index.d.cts', 'node.d.cts'].map((f) => readFileSync(join(ROOT, 'packages/client/dist', f), 'utf8')).join('\n');
    for (const chunk of chunks) expect(entries, chunk).toContain(chunk.slice('dist/'.length).replace(/\.d\.c?ts$/, ''));
  });

  it('react ships its two entries (the hooks, the TanStack Query bindings), their shared chunks, and the same', () => {
    const files = packed.react.files;
    const chunks = files.filter((f) => /^dist\/(chunk-[\w-]+\.(js|cjs)|types-[\w-]+\.d\.c?ts)$/.test(f));
    expect(files.filter((f) => !chunks.includes(f))).toStrictEqual([...common, 'dist/query.cjs', 'dist/query.d.cts', 'dist/query.d.ts', 'dist/query.js'].sort());
  });

  it('each package has the metadata npm shows', () => {
    for (const p of PACKAGES) {
      const pkg = JSON.parse(readFileSync(join(ROOT, 'packages', p, 'package.json'), 'utf8'));
      expect(pkg, p).toMatchObject({ license: 'MIT', engines: { node: expect.any(String) }, repository: { directory: `packages/${p}` } });
      expect(pkg.homepage, p).toMatch(/^https:\/\//);
      expect(pkg.bugs.url, p).toMatch(/^https:\/\//);
      expect(pkg.keywords.length, p).toBeGreaterThan(3);
      expect(Object.keys(pkg.dependencies ?? {}), p).not.toContain('nanoid');
    }
  });
});

describe('are the types wrong (attw)', () => {
  it.each(PACKAGES)('@ackwire/%s: no problem under node10, node16 (CJS and ESM) and bundler resolution', async (p) => {
    const pkg = createPackageFromTarballData(new Uint8Array(readFileSync(packed[p].tarball)));
    const result = await checkPackage(pkg);
    expect(result.types).not.toBe(false);
    expect(result.types === false ? [] : result.problems).toStrictEqual([]);
  });
});

describe('an outside project installed from the tarballs', () => {
  let project: string;
  beforeAll(async () => {
    project = mkdtempSync(join(tmpdir(), 'ackwire-outside-'));
    const modules = join(project, 'node_modules');
    mkdirSync(join(modules, '@ackwire'), { recursive: true });
    for (const p of PACKAGES) {
      await run('tar', ['-xzf', packed[p].tarball, '-C', project]);
      cpSync(join(project, 'package'), join(modules, '@ackwire', p), { recursive: true });
      rmSync(join(project, 'package'), { recursive: true, force: true });
    }
    // Their dependencies as installed here.
    for (const dep of ['zod', 'ws', 'superjson', 'copy-anything', 'is-what', '@types/node', '@types/ws', 'undici-types']) {
      mkdirSync(join(modules, dep, '..'), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules', dep), join(modules, dep));
    }
  }, 60_000);
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  const source = (imports: string): string => `${imports}
const api = contract({ math: { add: procedure({ input: z.object({ a: z.number(), b: z.number() }), output: z.number() }) } });
async function main(): Promise<void> {
  const server = createServer(api, { handlers: { math: { add: ({ a, b }) => a + b } } });
  const { url } = await listen(server, { port: 0 });
  const client = createClient(api, { url });
  const sum: number = await client.math.add({ a: 2, b: 3 });
  // @ts-expect-error a string where the contract says number
  void client.math.add({ a: '2', b: 3 }).catch(() => undefined);
  console.log('sum', sum);
  client.$close();
  await server.close();
}
void main();
`;

  it.each([
    ['commonjs', "import { contract, procedure } from '@ackwire/core';\nimport { createServer } from '@ackwire/server';\nimport { listen } from '@ackwire/server/ws';\nimport { createClient } from '@ackwire/client';\nimport * as z from 'zod';"],
    ['module', "import { contract, procedure } from '@ackwire/core';\nimport { createServer } from '@ackwire/server';\nimport { listen } from '@ackwire/server/ws';\nimport { createClient } from '@ackwire/client';\nimport * as z from 'zod';"],
  ])('a %s project type-checks with module node16 and its compiled code runs a call', async (type, imports) => {
    const dir = join(project, type);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `outside-${type}`, private: true, type }));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'es2022', strict: true, outDir: 'out', types: ['node'], skipLibCheck: true } }),
    );
    writeFileSync(join(dir, 'index.ts'), source(imports));
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const compiled = await run(process.execPath, [tsc, '-p', dir]).catch((err: { stdout: string }) => ({ stdout: `tsc failed:\n${err.stdout}` }));
    expect(compiled.stdout).toBe('');
    const { stdout } = await run(process.execPath, [join(dir, 'out/index.js')], { cwd: dir, timeout: 20_000 });
    expect(stdout.trim()).toBe('sum 5');
  }, 60_000);
});
