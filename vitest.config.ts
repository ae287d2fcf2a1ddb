import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'commands/**/*.test.ts', 'workers/**/*.test.ts', 'templates/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    globalSetup: ['test/helpers/build-target.ts'],
    // No SDK and only warnings from the bot's logger in tests; the tests that read traces or info lines set their own.
    env: { OTEL_SDK_DISABLED: 'true', RCA_LOG_LEVEL: 'warn' },
  },
});
