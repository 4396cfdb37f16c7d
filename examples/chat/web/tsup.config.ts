import { defineConfig } from 'tsup';

// One ES module for the browser with everything in it: the contract, zod, superjson and the client's
// browser entry (the `browser` condition keeps `ws` out). public/ is copied next to it.
export default defineConfig({
  entry: { app: 'src/main.ts' },
  format: ['esm'],
  platform: 'browser',
  target: 'es2022',
  noExternal: [/.*/],
  outDir: 'dist',
  publicDir: 'public',
  clean: true,
  minify: true,
  sourcemap: true,
});
