import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { backoffDelay, resolveJob } from './common';
import { defineJobs } from './port';

describe('backoffDelay', () => {
  it('doubles per failed attempt, with up to 20% jitter taken off', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, 100, () => 1))).toEqual([100, 200, 400, 800]);
    expect([1, 2, 3].map((n) => backoffDelay(n, 100, () => 0))).toEqual([80, 160, 320]);
  });
});

describe('resolveJob', () => {
  const catalog = defineJobs({ a: { payload: z.object({ x: z.string().default('d') }), attempts: 5, timeoutMs: 10 } });

  it('merges per-call options over catalog defaults and keeps the parsed payload', () => {
    expect(resolveJob(catalog, 'a', {}, { attempts: 2, delayMs: 5 })).toMatchObject({
      payload: { x: 'd' }, attempts: 2, timeoutMs: 10, backoffMs: 1000, delayMs: 5, dedupeKey: null, workspaceId: null,
    });
  });

  it('reports zod issues without echoing the payload', () => {
    try {
      resolveJob(catalog, 'a', { x: 'secret-value'.length });
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: 'validation_failed' });
      expect(JSON.stringify((err as { details: unknown }).details)).not.toContain('12');
    }
  });
});
