import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';

const react = (file: string): string => fileURLToPath(new URL(`../../../packages/react/src/${file}`, import.meta.url));

// One ES module for the browser with everything in it: React, TanStack Query, the contract, zod, superjson, the client's
// browser entry (the `browser` condition keeps `ws` out) and @ackwire/react. public/ is copied next to it.
export default defineConfig({
  entry: { app: 'src/main.tsx' },
  format: ['esm'],
  platform: 'browser',
  target: 'es2022',
  noExternal: [/.*/],
  outDir: 'dist',
  publicDir: 'public',
  clean: true,
  minify: true,
  sourcemap: true,
  // React's production build, and no `process` in the page.
  env: { NODE_ENV: 'production' },
  // The bindings from source: `npm start` needs no declaration build of @ackwire/react (the slow part).
  esbuildOptions(options) {
    options.alias = { '@ackwire/react': react('index.ts'), '@ackwire/react/query': react('query.ts') };
  },
});
