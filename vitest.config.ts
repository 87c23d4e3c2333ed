import { defineConfig } from 'vitest/config';

// Two projects: `unit` is pure logic and fast; `integration` talks to the real
// Docker engine, Bandit, git and Prometheus that scripts/setup.sh starts. Integration
// tests never skip when a dependency is missing: they fail, because CI must have it.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          // Containers compete for 2 cores; files run one at a time, tests inside a
          // file may opt into concurrency themselves.
          fileParallelism: false,
        },
      },
    ],
  },
});
