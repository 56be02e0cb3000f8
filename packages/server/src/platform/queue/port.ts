import type { z } from 'zod';

/**
 * The job queue port. Two adapters implement it and pass one contract suite: the embedded queue (rows in our own
 * database) and BullMQ on Redis. Handlers must be idempotent: delivery is at-least-once (a job whose worker died
 * runs again after its visibility timeout).
 */

/** One entry of the typed job catalog: name -> zod payload, retries, timeout. */
export interface JobDefinition<P extends z.ZodType = z.ZodType> {
  payload: P;
  /** Total attempts including the first (default 3). */
  attempts?: number;
  /** Base of the exponential backoff between attempts, ms (default 1000). */
  backoffMs?: number;
  /** Longest a single attempt may run before it is aborted and counted as failed (default 60 s). */
  timeoutMs?: number;
  /** Parallel handlers per process for this job (default 1). */
  concurrency?: number;
}

export type JobCatalog = Record<string, JobDefinition>;

/** Declares a catalog with its literal names kept for typing. */
export const defineJobs = <C extends JobCatalog>(catalog: C): C => catalog;

export type JobName<C extends JobCatalog> = Extract<keyof C, string>;
export type JobPayload<C extends JobCatalog, N extends JobName<C>> = z.infer<C[N]['payload']>;

export interface EnqueueOptions {
  /** Run no earlier than this many ms from now. */
  delayMs?: number;
  /**
   * While a job of the same name with this key is waiting, delayed or active, enqueueing another returns the
   * existing one. Scoped per job name on both adapters (BullMQ runs one queue per job name).
   */
  dedupeKey?: string;
  workspaceId?: string | null;
  attempts?: number;
  backoffMs?: number;
  timeoutMs?: number;
}

export interface EnqueueResult {
  id: string;
  /** True when an existing live job with the same dedupe key was returned instead of a new one. */
  deduped: boolean;
}

export interface JobContext {
  id: string;
  name: string;
  /** 1 on the first attempt. */
  attempt: number;
  workspaceId: string | null;
  /** Aborted on timeout and on shutdown: long handlers should pass it to their I/O. */
  signal: AbortSignal;
}

export type JobHandler<P> = (payload: P, ctx: JobContext) => Promise<void>;

export interface QueueCounts {
  waiting: number;
  delayed: number;
  active: number;
  completed: number;
  failed: number;
}

export interface JobQueue<C extends JobCatalog = JobCatalog> {
  readonly kind: 'embedded' | 'bullmq';
  /** Validates the payload against the catalog and stores the job durably before resolving. */
  enqueue<N extends JobName<C>>(name: N, payload: JobPayload<C, N>, opts?: EnqueueOptions): Promise<EnqueueResult>;
  /** Registers the handler for a job name; call before start(). */
  handle<N extends JobName<C>>(name: N, handler: JobHandler<JobPayload<C, N>>): void;
  /** Starts consuming jobs with the registered handlers. */
  start(): Promise<void>;
  /** Stops taking new jobs, waits up to timeoutMs for running ones, then aborts them (they will run again). */
  stop(opts?: { timeoutMs?: number }): Promise<void>;
  /** stop(), then release connections the adapter opened itself (the embedded queue does not own its Db). */
  close(opts?: { timeoutMs?: number }): Promise<void>;
  counts(): Promise<QueueCounts>;
  /** Round-trip to the backing store, ms. */
  ping(): Promise<number>;
  /** The job's current state, for tests and the API. */
  getJob(id: string): Promise<{ id: string; name: string; state: 'waiting' | 'delayed' | 'active' | 'completed' | 'failed'; attempts: number; lastError: string | null } | null>;
}
