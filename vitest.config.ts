import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Tests run from source: package names map to src/, no build step.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@ackwire\/core$/, replacement: src('./packages/core/src/index.ts') },
      { find: /^@ackwire\/core\/internal$/, replacement: src('./packages/core/src/internal.ts') },
      { find: /^@ackwire\/server$/, replacement: src('./packages/server/src/index.ts') },
      { find: /^@ackwire\/server\/ws$/, replacement: src('./packages/server/src/ws/index.ts') },
      { find: /^@ackwire\/server\/testing$/, replacement: src('./packages/server/src/testing.ts') },
      { find: /^@ackwire\/client$/, replacement: src('./packages/client/src/node.ts') },
      { find: /^@ackwire\/redis$/, replacement: src('./packages/redis/src/index.ts') },
      { find: /^@ackwire\/react$/, replacement: src('./packages/react/src/index.ts') },
      { find: /^@ackwire\/react\/query$/, replacement: src('./packages/react/src/query.ts') },
    ],
  },
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['packages/*/test/**/*.test.{ts,tsx}', 'test/**/*.test.ts', 'examples/**/test/**/*.test.{ts,tsx}'],
          exclude: ['test/load/**', '**/node_modules/**'],
          sequence: { groupOrder: 0 },
        },
      },
      // Load checks measure latency and event-loop stalls: they run after the rest of the suite, alone, so
      // that the suite's own parallel files are not what they measure.
      { extends: true, test: { name: 'load', include: ['test/load/**/*.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});
