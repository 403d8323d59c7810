import type { Reporter, TestModule, Vitest } from 'vitest/node';

/**
 * Ends the run with one plain line that any CI can read: `tests: N passed, N failed, N skipped`,
 * and the seed of the shuffled order (VITEST_SEED=<seed> runs the same order again).
 */
export default class SummaryReporter implements Reporter {
  private seed: number | undefined;

  onInit(vitest: Vitest): void {
    this.seed = vitest.config.sequence.seed;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const testModule of testModules) {
      for (const test of testModule.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') counts.failed++;
        else counts.skipped++;
      }
      if (testModule.state() === 'failed' && [...testModule.children.allTests()].length === 0) counts.failed++;
    }
    process.stdout.write(`\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped (order seed ${this.seed})\n`);
  }
}
