/**
 * The browser client's size: what an application's bundle gets from `@ackwire/client` and `@ackwire/core`
 * (with superjson, their dependency; zod is the application's own, a peer, and left out), bundled by
 * esbuild from the built packages through their `browser` export condition, minified. The reference is
 * tRPC's WebSocket client measured the same way in the same run (test/bench's @trpc/client):
 * createTRPCClient + createWSClient + wsLink + superjson, what a tRPC application over WebSocket bundles.
 *
 * esbuild directly rather than size-limit: size-limit's esbuild preset runs the same bundler, and this check
 * also needs the export conditions and the externals spelled out, which is a dozen lines here.
 */
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { beforeAll, expect, it } from 'vitest';
import { buildPackages, ROOT } from './helpers.js';

/** Bytes; the bundle measures 48.0 KB, tRPC's client with superjson 40.7 KB minified, 12.5 KB gzip (both
 * printed by the first case). superjson (with copy-anything) is 11.4 KB of each bundle, Ackwire's own code
 * 36.6 KB; what Ackwire's client does by default that tRPC's does not, per the bundle's metafile: the
 * connection's status for a UI and the retry policy ($connection with close kinds, $reconnect, the
 * browser's network and visibility signals, refusals: close-kinds, network, next-attempt, attempt-end,
 * refusal, about 4.3 KB), the contract's fingerprint checked in the hello (fingerprint, canonical, about
 * 3.1 KB), the checks `contract()` makes (about 1.8 KB), the dead-peer clock (heartbeat, shared-timers,
 * about 1.4 KB) and acknowledging outcomes by call-id range (acks, about 0.8 KB). The calls restored after a
 * reload (persistence/) are only in a bundle that uses `restoreClient`. The contract's tree made on first
 * read (caller-tree.ts, about 0.4 KB, 0.15 KB gzip) keeps creating a client from growing with the contract. The client's classes keep their
 * state in #private fields, which the minifier renames (TypeScript's `private` names stay as written).
 * The budget holds today's size, so that growth is a decision; it is above tRPC's by the figures above. */
const BUDGET_MIN = 48_200;
/** Bytes, gzip; the bundle measures 16.7 KB. */
const BUDGET_GZIP = 16_750;

beforeAll(() => buildPackages(), 180_000);

async function bundle(entry: string, resolveDir = ROOT): Promise<{ min: number; gzip: number }> {
  const result = await build({
    stdin: { contents: entry, resolveDir, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    external: ['zod', 'zod/*'],
    // The packages as published: no tsconfig paths to their sources.
    tsconfigRaw: '{}',
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.contents;
  return { min: code.length, gzip: gzipSync(code).length };
}

it('the browser client and core, with superjson, stay within the budget', async () => {
  const size = await bundle("export { createClient } from '@ackwire/client'; export { contract, procedure, subscription } from '@ackwire/core';");
  const trpc = await bundle("export { createTRPCClient, createWSClient, wsLink } from '@trpc/client'; export { default as superjson } from 'superjson';", `${ROOT}test/bench`);
  const kb = (s: { min: number; gzip: number }): string => `${(s.min / 1000).toFixed(1)} KB minified, ${(s.gzip / 1000).toFixed(1)} KB gzip`;
  console.log(`browser client: ${kb(size)}; tRPC's WebSocket client with superjson: ${kb(trpc)}`);
  // The reference is the real thing: tRPC's client code and superjson's both in it.
  expect(trpc.min).toBeGreaterThan(30_000);
  expect(size.min).toBeLessThanOrEqual(BUDGET_MIN);
  expect(size.gzip).toBeLessThanOrEqual(BUDGET_GZIP);
});

it('the browser bundle holds no Node-only code: no ws, no reading of HTTP refusals', async () => {
  const result = await build({
    stdin: { contents: "export { createClient } from '@ackwire/client';", resolveDir: ROOT, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    external: ['zod', 'zod/*'],
    tsconfigRaw: '{}',
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile!.inputs);
  expect(inputs.filter((i) => /node_modules\/ws\//.test(i))).toStrictEqual([]);
  const code = result.outputFiles[0]!.text;
  expect(code).not.toContain('unexpected-response');
  expect(code).not.toContain('Retry-After'.toLowerCase());
});

it("createClient's bundle holds none of the code for calls restored after a reload (restoreClient brings it)", async () => {
  const text = async (entry: string): Promise<string> => {
    const result = await build({ stdin: { contents: entry, resolveDir: ROOT, loader: 'js' }, bundle: true, format: 'esm', platform: 'browser', write: false, external: ['zod', 'zod/*'], tsconfigRaw: '{}', logLevel: 'silent' });
    return result.outputFiles[0]!.text;
  };
  // The recovery of stored calls (persistence/journaled-calls.ts) says this of a procedure the contract lost.
  const marker = 'in the contract any more';
  expect(await text("export { createClient } from '@ackwire/client';")).not.toContain(marker);
  expect(await text("export { restoreClient } from '@ackwire/client';")).toContain(marker);
});

/** The chat example's browser bundle as its build makes it (tsup: esbuild, minified, everything in). */
async function chatBundle(namedZodImport: boolean): Promise<number> {
  const result = await build({
    entryPoints: [`${ROOT}examples/chat/web/src/main.tsx`],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    tsconfigRaw: '{}',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
    plugins: [
      {
        name: 'named-zod-import',
        setup(b) {
          if (!namedZodImport) return;
          b.onLoad({ filter: /(chat\/contract\/dist\/index\.js|chat\/web\/src\/.*\.tsx?)$/ }, async (args) => {
            const { readFile } = await import('node:fs/promises');
            const text = (await readFile(args.path, 'utf8')).replace(/import \* as z from ["']zod["'];/, "import { z } from 'zod';");
            return { contents: text, loader: args.path.endsWith('.tsx') ? 'tsx' : args.path.endsWith('.ts') ? 'ts' : 'js' };
          });
        },
      },
    ],
  });
  return result.outputFiles[0]!.contents.length;
}

// The figures docs/client.md quotes come from here.
it("the chat bundle: `import * as z from 'zod'` lets the bundler drop what the contract does not use", async () => {
  const namespace = await chatBundle(false);
  const named = await chatBundle(true);
  console.log(`chat bundle: ${(namespace / 1000).toFixed(0)} KB minified with import * as z, ${(named / 1000).toFixed(0)} KB with import { z }`);
  // What zod's named import drags in that the contract does not use: over 300 KB (React is in both).
  expect(named - namespace).toBeGreaterThan(300_000);
});

/** A small contract (five procedures) with its client, zod bundled in, written with `zod` or `zod/mini`. */
async function smallContractBundle(zod: 'zod' | 'zod/mini'): Promise<number> {
  const schema = zod === 'zod' ? 'z.object({ id: z.string(), n: z.number().int() })' : 'z.object({ id: z.string(), n: z.int() })';
  const procedures = Array.from({ length: 5 }, (_, i) => `p${i}: procedure({ input: ${schema}, output: ${schema} })`).join(', ');
  const entry = `import * as z from '${zod}';
import { contract, procedure } from '@ackwire/core';
import { createClient } from '@ackwire/client';
export const client = createClient(contract({ ${procedures} }), { url: 'ws://localhost/' });`;
  const result = await build({
    stdin: { contents: entry, resolveDir: ROOT, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    tsconfigRaw: '{}',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.contents.length;
}

// docs/contracts.md quotes these two figures.
it('a contract written with zod/mini makes a smaller browser bundle than one written with zod', async () => {
  const classic = await smallContractBundle('zod');
  const mini = await smallContractBundle('zod/mini');
  console.log(`five-procedure contract with its client: ${Math.round(classic / 1000)} KB minified with zod, ${Math.round(mini / 1000)} KB with zod/mini`);
  expect(mini).toBeLessThan(classic);
});
