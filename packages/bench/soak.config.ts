import { defineConfig } from 'vitest/config';

/**
 * The reliability suites of issue 5 §3 (`pnpm soak`): faults, crashes, bad input and concurrency, on the built
 * packages against a fake VSCO Workspace on 127.0.0.1 and real databases. SOAK_SCALE=small runs them at the
 * sizes of the normal test run; `full` (the default) at the sizes. The suites run one file at a time:
 * they share two cores with everything else, and the crash suite kills child processes on a timetable.
 */
export default defineConfig({
  test: {
    include: ['soak/**/*.soak.ts'],
    fileParallelism: false,
    reporters: ['default', ['json', { outputFile: '.vitest/soak-report.json' }]],
    testTimeout: 30 * 60_000,
    hookTimeout: 30 * 60_000,
  },
});
