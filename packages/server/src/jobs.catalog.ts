import { z } from 'zod';
import { defineJobs } from './platform/queue/port';

/**
 * Every background job the orchestrator runs: name -> zod payload, retries, timeout. Features add their entries
 * here (the catalog is shared by enqueuers and workers on every instance).
 */
export const jobCatalog = defineJobs({
  /** Removes finished jobs and expired rows; enqueued hourly with a dedupe key so one runs at a time. */
  /** Sends an account's queued session creates within its limits (deduplicated per account; see features/dispatch). */
  'dispatch.pump': { payload: z.object({ accountId: z.string(), workspaceId: z.string() }), attempts: 1, timeoutMs: 15 * 60_000, concurrency: 4 },
  'system.housekeeping': { payload: z.object({ reason: z.string().optional() }), attempts: 2, timeoutMs: 60_000 },
});
export type JobCatalog = typeof jobCatalog;
