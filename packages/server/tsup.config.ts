import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'ws/index': 'src/ws/index.ts', testing: 'src/testing.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'es2022',
});
