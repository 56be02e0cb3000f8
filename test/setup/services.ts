import fs from 'node:fs';

/*
 * What the suites need from the machine, decided once per run by the vitest configs: Debian's chromium for the
 * browser suites, PostgreSQL (TEST_DATABASE_URL) and Redis (TEST_REDIS_URL) for the suites that run on them. On a
 * laptop a missing service skips its suites and says so plainly at the start of the run; with CI=true nothing may be
 * skipped, so a missing service is an error (.ci/run installs and starts all three first).
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export interface Services {
  chromium: boolean;
  postgres: boolean;
  redis: boolean;
}

export function detectServices(env: NodeJS.ProcessEnv = process.env): Services {
  return { chromium: fs.existsSync(env.CHROMIUM_PATH || '/usr/bin/chromium'), postgres: !!env.TEST_DATABASE_URL, redis: !!env.TEST_REDIS_URL };
}

/** The lines printed before the run: one per service, what runs and what is skipped and why. */
export function describeServices(s: Services): string[] {
  return [
    s.chromium ? `browser suites: run with ${CHROMIUM_PATH}` : `browser suites: SKIPPED, no chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`,
    s.postgres ? 'PostgreSQL suites: run (TEST_DATABASE_URL)' : 'PostgreSQL suites: SKIPPED, TEST_DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test); SQLite runs alone',
    s.redis ? 'Redis suites: run (TEST_REDIS_URL)' : 'Redis suites: SKIPPED, TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379)',
  ];
}

/**
 * The test files to leave out on this machine (browser files when there is no chromium), after printing what is
 * skipped. Under CI=true a missing service throws instead: CI must run everything.
 */
export function excludedForServices(browserGlob: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const s = detectServices(env);
  const missing = [!s.chromium && 'chromium', !s.postgres && 'TEST_DATABASE_URL', !s.redis && 'TEST_REDIS_URL'].filter(Boolean);
  if (env.CI === 'true' && missing.length) throw new Error(`CI=true runs every suite, but this machine lacks: ${missing.join(', ')} (.ci/run prepares them)`);
  if (!env.VITEST_WORKER_ID) console.log(['', 'Test services on this machine:', ...describeServices(s).map((l) => `  ${l}`), ''].join('\n'));
  return s.chromium ? [] : [browserGlob];
}
