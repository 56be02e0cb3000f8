import { defineConfig } from 'vitest/config';
import { excludedForServices } from './test/setup/services.ts';

// One run for the whole repository. Suites that start servers, databases or browsers are long-ish: they run in
// forked processes so a crash test (SIGKILL) never takes the runner down with it.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // Browser suites need chromium: without it they are left out and the run says so (an error under CI=true).
    exclude: ['**/node_modules/**', '**/dist/**', 'test/reliability/**', ...excludedForServices('test/browser/**')],
    pool: 'forks',
    setupFiles: ['test/setup/loopback-only.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default', ['json', { outputFile: '.tmp/vitest-results.json' }]],
  },
});
