import { defineConfig } from 'vitest/config';

/**
 * Files and the tests in each run in a random order every time: no test may lean on another's
 * leftovers. The seed is printed at the end of the run; VITEST_SEED=<seed> replays an order.
 */
const seed = Number(process.env.VITEST_SEED) || Date.now() % 1_000_000;

export default defineConfig({
  test: {
    include: ['service/**/*.test.ts', 'index/**/*.test.ts', 'models/**/*.test.ts', 'benchmarks/**/*.test.ts', 'k8s/**/*.test.ts'],
    globalSetup: ['service/testSupport/globalSetup.ts'],
    reporters: ['default', './service/testSupport/summaryReporter.ts'],
    sequence: { shuffle: { files: true, tests: true }, seed },
    // The models use every core; test files running side by side would only fight over them.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
