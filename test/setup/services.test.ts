import { describe, expect, it } from 'vitest';
import { describeServices, excludedForServices } from './services';

describe('test services on this machine', () => {
  it('under CI=true a missing service is an error that names it', () => {
    expect(() => excludedForServices('test/browser/**', { CI: 'true', TEST_REDIS_URL: 'redis://127.0.0.1:6379', VITEST_WORKER_ID: '1' })).toThrow(/lacks: .*TEST_DATABASE_URL/);
  });

  it('without CI, missing services are skipped and each skip says why', () => {
    const lines = describeServices({ chromium: false, postgres: false, redis: true });
    expect(lines[0]).toMatch(/browser suites: SKIPPED, no chromium at /);
    expect(lines[1]).toMatch(/PostgreSQL suites: SKIPPED, TEST_DATABASE_URL is not set/);
    expect(lines[2]).toBe('Redis suites: run (TEST_REDIS_URL)');
    const excluded = excludedForServices('test/browser/**', { CHROMIUM_PATH: '/nonexistent', VITEST_WORKER_ID: '1' });
    expect(excluded).toEqual(['test/browser/**']);
    expect(excludedForServices('test/browser/**', { CHROMIUM_PATH: process.execPath, VITEST_WORKER_ID: '1' })).toEqual([]);
  });
});
