import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['service/**/*.test.ts', 'index/**/*.test.ts', 'models/**/*.test.ts', 'benchmarks/**/*.test.ts', 'k8s/**/*.test.ts'],
    globalSetup: ['service/testSupport/globalSetup.ts'],
    reporters: ['default', './service/testSupport/summaryReporter.ts'],
    // The models use every core; test files running side by side would only fight over them.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
