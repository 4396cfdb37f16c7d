import { defineConfig } from 'tsup';

// React and TanStack Query stay external: they are the application's (peer dependencies).
export default defineConfig({
  entry: ['src/index.ts', 'src/query.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  external: ['react', '@tanstack/react-query', '@ackwire/client', '@ackwire/core'],
});
