/**
 * Bundle budgets of the frontend: `@ackwire/react` itself (its two entry points, with React, TanStack
 * Query and the Ackwire client left to the application), and the React chat example's whole page (React,
 * TanStack Query, zod, superjson, the client and the bindings). Built here from source with esbuild, as the
 * example's build does (minified, browser conditions, React's production build), and measured gzipped.
 * A budget sits a little above today's size, so that growth is a decision, not an accident.
 */
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const alias = {
  '@ackwire/core': `${ROOT}packages/core/src/index.ts`,
  '@ackwire/core/internal': `${ROOT}packages/core/src/internal.ts`,
  '@ackwire/client': `${ROOT}packages/client/src/index.ts`,
  '@ackwire/react': `${ROOT}packages/react/src/index.ts`,
  '@ackwire/react/query': `${ROOT}packages/react/src/query.ts`,
  '@ackwire-example/chat-contract': `${ROOT}examples/chat/contract/src/index.ts`,
};

/** Gzipped bytes of a minified browser bundle of `entry`, with `external` left out. */
async function gzipped(entry: string, external: string[] = []): Promise<{ min: number; gzip: number; text: string }> {
  const out = await build({
    entryPoints: [`${ROOT}${entry}`],
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    alias,
    external,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const text = out.outputFiles[0]!.text;
  return { min: text.length, gzip: gzipSync(text).length, text };
}

const KB = 1024;

describe('frontend bundle budgets (minified + gzip)', () => {
  it('@ackwire/react, both entry points: at most 3.5 KB', async () => {
    const external = ['react', 'react-dom', '@tanstack/react-query', '@ackwire/client', '@ackwire/core'];
    const main = await gzipped('packages/react/src/index.ts', external);
    const query = await gzipped('packages/react/src/query.ts', external);
    console.log(`@ackwire/react: index ${main.gzip} B, query ${query.gzip} B gzipped (${main.min + query.min} B minified)`);
    expect(main.gzip + query.gzip).toBeLessThanOrEqual(3.5 * KB);
    // The main entry works without TanStack Query installed.
    expect(main.text).not.toContain('@tanstack/react-query');
  });

  it('the React chat page, everything bundled: at most 140 KB', async () => {
    const page = await gzipped('examples/chat/web/src/main.tsx');
    console.log(`chat page: ${page.gzip} B gzipped (${page.min} B minified)`);
    expect(page.gzip).toBeLessThanOrEqual(140 * KB);
    expect(page.text).not.toContain('WebSocketServer');
  });
});
