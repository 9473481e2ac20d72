import { defineConfig } from 'vitest/config';

/**
 * `npm run test:soak`: the crash tests only, with ten times the kills (`WEIR_SOAK=1`;
 * `WEIR_SOAK_FACTOR` changes the multiplier). Long: minutes, not seconds.
 */
export default defineConfig({
  test: {
    include: ['test/crash/**/*.test.ts', 'test/cli/crash-resume.test.ts'],
    maxWorkers: 1,
    testTimeout: 3_600_000,
    hookTimeout: 120_000,
  },
});
