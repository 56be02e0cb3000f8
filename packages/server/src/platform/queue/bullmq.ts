import { randomUUID } from 'node:crypto';
import { Queue, Worker, WaitingError, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { systemClock } from '../clock';
import type { Logger } from '../logger';
import {
  BACKOFF_JITTER, DEFAULT_RETENTION, JobShutdownError, concurrencyOf, definitionOf, resolveJob, runAttempt,
  type RetentionOptions,
} from './common';
import type { EnqueueOptions, EnqueueResult, JobCatalog, JobHandler, JobName, JobPayload, JobQueue, QueueCounts } from './port';

export interface BullmqQueueOptions<C extends JobCatalog> {
  redisUrl: string;
  catalog: C;
  /** Redis key prefix (default "autopilot"); tests use a random one so parallel suites never share keys. */
  prefix?: string;
  log?: Logger;
  /** How long a worker's lock on a job lasts without renewal, ms (BullMQ default 30 s). */
  lockDurationMs?: number;
  /** How often workers look for jobs whose lock expired (a dead worker's), ms (BullMQ default 30 s). */
  stalledIntervalMs?: number;
  /** Times a job may be recovered from a dead worker before it is failed (default 3). */
  maxStalledCount?: number;
  retention?: Partial<RetentionOptions>;
}

/** What we store as BullMQ job data: per-job settings BullMQ has no field for travel with the payload. */
interface Envelope {
  payload: unknown;
  workspaceId: string | null;
  timeoutMs: number;
}

/**
 * The port on BullMQ. One BullMQ Queue + Worker per job *name*, not one per logical queue: a BullMQ worker takes
 * any job of its queue, so per-name concurrency (a catalog setting) is only expressible with a worker per name.
 * The cost is a blocking Redis connection per handled name, which is fine for a catalog of tens of jobs.
 * Consequently dedupe keys are scoped per job name, and the embedded adapter scopes them the same way.
 */
export class BullmqQueue<C extends JobCatalog> implements JobQueue<C> {
  readonly kind = 'bullmq' as const;
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly retention: RetentionOptions;
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private readonly handlers = new Map<string, JobHandler<any>>();
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(private readonly opts: BullmqQueueOptions<C>) {
    // maxRetriesPerRequest: null is required by BullMQ workers (blocking commands must not be retried away).
    this.redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    this.redis.on('error', (err) => opts.log?.warn({ err: err.message }, 'redis connection error'));
    this.prefix = opts.prefix ?? 'autopilot';
    this.retention = { ...DEFAULT_RETENTION, ...opts.retention };
    for (const name of Object.keys(opts.catalog)) {
      if (name.includes(':')) throw new Error(`Job name "${name}" may not contain ":" (it names a BullMQ queue)`);
    }
  }

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.redis, prefix: this.prefix });
      this.queues.set(name, q);
    }
    return q;
  }

  async enqueue<N extends JobName<C>>(name: N, payload: JobPayload<C, N>, opts?: EnqueueOptions): Promise<EnqueueResult> {
    const job = resolveJob(this.opts.catalog, name, payload, opts);
    const id = randomUUID();
    const data: Envelope = { payload: job.payload, workspaceId: job.workspaceId, timeoutMs: job.timeoutMs };
    const added = await this.queue(name).add(name, data, {
      jobId: id,
      attempts: job.attempts,
      backoff: { type: 'exponential', delay: job.backoffMs, jitter: BACKOFF_JITTER },
      delay: job.delayMs,
      // Simple-mode deduplication: the key lives until the job completes or fails, like the embedded queue's.
      ...(job.dedupeKey !== null ? { deduplication: { id: job.dedupeKey } } : {}),
      removeOnComplete: { age: Math.ceil(this.retention.completedMaxAgeMs / 1000), count: this.retention.completedKeep },
      removeOnFail: { age: Math.ceil(this.retention.failedMaxAgeMs / 1000), count: this.retention.failedKeep },
    });
    // A deduplicated add returns the live job, whose id is not the one we proposed.
    return { id: added.id ?? id, deduped: added.id !== undefined && added.id !== id };
  }

  handle<N extends JobName<C>>(name: N, handler: JobHandler<JobPayload<C, N>>): void {
    definitionOf(this.opts.catalog, name);
    if (this.workers.length > 0) throw new Error('handle() must be called before start()');
    this.handlers.set(name, handler as JobHandler<any>);
  }

  async start(): Promise<void> {
    if (this.workers.length > 0 || this.closed) return;
    for (const [name, handler] of this.handlers) {
      const worker = new Worker(name, (job, token) => this.process(job, token, handler), {
        connection: this.redis,
        prefix: this.prefix,
        concurrency: concurrencyOf(this.opts.catalog, name),
        lockDuration: this.opts.lockDurationMs ?? 30_000,
        stalledInterval: this.opts.stalledIntervalMs ?? 30_000,
        maxStalledCount: this.opts.maxStalledCount ?? 3,
      });
      worker.on('error', (err) => this.opts.log?.warn({ job: name, err: err.message }, 'bullmq worker error'));
      worker.on('failed', (job, err) => {
        if (!job) return;
        const meta = { jobId: job.id, job: job.name, attempt: job.attemptsMade, maxAttempts: job.opts.attempts, err: err.message };
        if (job.attemptsMade >= (job.opts.attempts ?? 1)) this.opts.log?.error(meta, 'job failed after its last attempt');
        else this.opts.log?.warn(meta, 'job attempt failed');
      });
      this.workers.push(worker);
    }
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
  }

  /** One attempt: timeout and shutdown both abort the handler's signal; a shutdown hands the job back unpenalised. */
  private async process(job: Job, token: string | undefined, handler: JobHandler<any>): Promise<void> {
    const data = job.data as Envelope;
    const ctl = new AbortController();
    this.inFlight.add(ctl);
    try {
      const ctx = { id: job.id!, name: job.name, attempt: job.attemptsMade + 1, workspaceId: data.workspaceId };
      const outcome = await runAttempt(handler, data.payload, ctx, ctl, data.timeoutMs, systemClock);
      if (outcome.kind === 'ok') return;
      if (outcome.kind === 'shutdown') {
        // moveToWait + WaitingError: BullMQ's way to give a job back without counting a failed attempt.
        await job.moveToWait(token);
        throw new WaitingError();
      }
      throw new Error(outcome.message);
    } finally {
      this.inFlight.delete(ctl);
    }
  }

  async stop(opts: { timeoutMs?: number } = {}): Promise<void> {
    const workers = this.workers.splice(0);
    if (workers.length === 0) return;
    // close() stops fetching and resolves once active jobs are done; past the timeout we abort those jobs.
    const closing = Promise.all(workers.map((w) => w.close()));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      closing.then(() => false),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), opts.timeoutMs ?? 10_000); }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.opts.log?.warn({ jobs: this.inFlight.size }, 'queue stop timed out: aborting running jobs, they will run again');
      for (const ctl of this.inFlight) ctl.abort(new JobShutdownError());
      await closing;
    }
  }

  async close(opts?: { timeoutMs?: number }): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stop(opts);
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  async counts(): Promise<QueueCounts> {
    const out: QueueCounts = { waiting: 0, delayed: 0, active: 0, completed: 0, failed: 0 };
    for (const name of Object.keys(this.opts.catalog)) {
      const c = await this.queue(name).getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed');
      out.waiting += (c.waiting ?? 0) + (c.prioritized ?? 0);
      out.delayed += c.delayed ?? 0;
      out.active += c.active ?? 0;
      out.completed += c.completed ?? 0;
      out.failed += c.failed ?? 0;
    }
    return out;
  }

  async ping(): Promise<number> {
    const t = performance.now();
    await this.redis.ping();
    return performance.now() - t;
  }

  async getJob(id: string) {
    for (const name of Object.keys(this.opts.catalog)) {
      const job = await this.queue(name).getJob(id);
      if (!job) continue;
      const s = await job.getState();
      const state = s === 'delayed' || s === 'active' || s === 'completed' || s === 'failed' ? s : 'waiting';
      return { id, name: job.name, state, attempts: job.attemptsStarted ?? job.attemptsMade, lastError: job.failedReason || null } as const;
    }
    return null;
  }
}
