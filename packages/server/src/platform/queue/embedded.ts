import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Db } from '../db';
import { isUniqueViolation } from '../db';
import { systemClock, type Clock } from '../clock';
import type { Logger } from '../logger';
import {
  DEFAULT_RETENTION, JobShutdownError, backoffDelay, concurrencyOf, definitionOf, resolveJob, runAttempt,
  type RetentionOptions,
} from './common';
import * as store from './embedded-store';
import type { EnqueueOptions, EnqueueResult, JobCatalog, JobHandler, JobName, JobPayload, JobQueue, QueueCounts } from './port';

export interface EmbeddedQueueOptions<C extends JobCatalog> {
  db: Db;
  catalog: C;
  log?: Logger;
  clock?: Clock;
  /** Names this process in `locked_by`; defaults to host:pid:random. */
  instanceId?: string;
  /** Value of the `queue` column, so several logical queues can share the table (default "default"). */
  queueName?: string;
  /** How often an idle worker looks for due jobs, ms (default 250); local enqueues wake it at once. */
  pollMs?: number;
  /** Extra lock time beyond an attempt's timeout before another worker may take the job over, ms (default 5000). */
  lockGraceMs?: number;
  /** Interval of housekeeping (pruning, lost final attempts), ms (default 60 s). */
  maintenanceMs?: number;
  retention?: Partial<RetentionOptions>;
  random?: () => number;
}

/**
 * The durable queue in our own database: jobs are rows of `jobs`, claimed by an atomic update that sets a lock
 * (`locked_by`, `locked_until`). There is no heartbeat: an attempt is bounded by its timeout, so a lock of
 * timeout + grace is only ever exceeded by a dead worker, whose job is then claimed again by anyone polling.
 */
export class EmbeddedQueue<C extends JobCatalog> implements JobQueue<C> {
  readonly kind = 'embedded' as const;
  private readonly db: Db;
  private readonly catalog: C;
  private readonly log?: Logger;
  private readonly clock: Clock;
  private readonly instanceId: string;
  private readonly queueName: string;
  private readonly pollMs: number;
  private readonly lockGraceMs: number;
  private readonly maintenanceMs: number;
  private readonly retention: RetentionOptions;
  private readonly random: () => number;
  private readonly handlers = new Map<string, JobHandler<any>>();
  private readonly activeByName = new Map<string, number>();
  private readonly inFlight = new Map<Promise<void>, AbortController>();
  private running = false;
  private loop?: Promise<void>;
  private wakeup = new AbortController();
  private claims = 0;
  private lastMaintenance = -Infinity;

  constructor(opts: EmbeddedQueueOptions<C>) {
    this.db = opts.db;
    this.catalog = opts.catalog;
    this.log = opts.log;
    this.clock = opts.clock ?? systemClock;
    this.instanceId = opts.instanceId ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.queueName = opts.queueName ?? 'default';
    this.pollMs = opts.pollMs ?? 250;
    this.lockGraceMs = opts.lockGraceMs ?? 5000;
    this.maintenanceMs = opts.maintenanceMs ?? 60_000;
    this.retention = { ...DEFAULT_RETENTION, ...opts.retention };
    this.random = opts.random ?? Math.random;
  }

  async enqueue<N extends JobName<C>>(name: N, payload: JobPayload<C, N>, opts?: EnqueueOptions): Promise<EnqueueResult> {
    const job = resolveJob(this.catalog, name, payload, opts);
    const dedupeKey = job.dedupeKey === null ? null : store.scopedDedupeKey(name, job.dedupeKey);
    // A live duplicate may finish between our lookup and insert (or appear after it): loop until one of them wins.
    for (let round = 0; ; round++) {
      if (dedupeKey !== null) {
        const live = await this.db.kysely.selectFrom('jobs').select('id')
          .where('queue', '=', this.queueName).where('dedupe_key', '=', dedupeKey).executeTakeFirst();
        if (live) return { id: live.id, deduped: true };
      }
      const now = this.clock.now();
      const id = randomUUID();
      try {
        await this.db.kysely.insertInto('jobs').values({
          id, queue: this.queueName, name, workspace_id: job.workspaceId, payload: JSON.stringify(job.payload),
          dedupe_key: dedupeKey, state: 'waiting', attempts: 0, max_attempts: job.attempts, backoff_ms: job.backoffMs,
          timeout_ms: job.timeoutMs, run_at: now + job.delayMs, locked_until: null, locked_by: null, last_error: null,
          created_at: now, updated_at: now, finished_at: null,
        }).execute();
      } catch (err) {
        if (dedupeKey !== null && isUniqueViolation(err) && round < 5) continue;
        throw err;
      }
      if (job.delayMs === 0) this.wake();
      return { id, deduped: false };
    }
  }

  handle<N extends JobName<C>>(name: N, handler: JobHandler<JobPayload<C, N>>): void {
    definitionOf(this.catalog, name);
    if (this.running) throw new Error('handle() must be called before start()');
    this.handlers.set(name, handler as JobHandler<any>);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(opts: { timeoutMs?: number } = {}): Promise<void> {
    if (!this.running && this.inFlight.size === 0) return;
    this.running = false;
    this.wake();
    await this.loop;
    const drained = Promise.allSettled([...this.inFlight.keys()]);
    const grace = new AbortController();
    const timedOut = await Promise.race([drained.then(() => false), this.clock.sleep(opts.timeoutMs ?? 10_000, grace.signal).then(() => true)]);
    grace.abort();
    if (timedOut) {
      this.log?.warn({ jobs: this.inFlight.size }, 'queue stop timed out: aborting running jobs, they will run again');
      for (const ctl of this.inFlight.values()) ctl.abort(new JobShutdownError());
      await Promise.allSettled([...this.inFlight.keys()]);
    }
  }

  close(opts?: { timeoutMs?: number }): Promise<void> {
    return this.stop(opts);
  }

  counts(): Promise<QueueCounts> {
    return store.countJobs(this.db, this.queueName, this.clock.now());
  }

  ping(): Promise<number> {
    return this.db.ping();
  }

  async getJob(id: string) {
    const r = await this.db.kysely.selectFrom('jobs').selectAll().where('id', '=', id).where('queue', '=', this.queueName).executeTakeFirst();
    if (!r) return null;
    type State = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed';
    const state: State = r.state === 'waiting' && r.run_at > this.clock.now() ? 'delayed' : (r.state as State);
    return { id: r.id, name: r.name, state, attempts: r.attempts, lastError: r.last_error };
  }

  private wake(): void {
    this.wakeup.abort();
  }

  /** Claims while there is room and work, sleeps otherwise; a wake() during a pass makes the next sleep a no-op. */
  private async run(): Promise<void> {
    while (this.running) {
      let claimed = 0;
      try {
        await this.maintain();
        claimed = await this.claimPass();
      } catch (err) {
        this.log?.error({ err: (err as Error).message }, 'queue poll failed');
      }
      if (!this.running) break;
      if (claimed > 0) continue;
      const wakeup = this.wakeup;
      if (!wakeup.signal.aborted) await this.clock.sleep(this.pollMs, wakeup.signal);
      if (this.wakeup === wakeup) this.wakeup = new AbortController();
    }
  }

  private async claimPass(): Promise<number> {
    let claimed = 0;
    for (const [name, handler] of this.handlers) {
      const free = concurrencyOf(this.catalog, name) - (this.activeByName.get(name) ?? 0);
      if (free <= 0 || !this.running) continue;
      const token = `${this.instanceId}#${++this.claims}`;
      const rows = await store.claimJobs(this.db, { queue: this.queueName, name, limit: free, now: this.clock.now(), token, lockGraceMs: this.lockGraceMs });
      for (const row of rows) this.launch(row, handler, token);
      claimed += rows.length;
    }
    return claimed;
  }

  private async maintain(): Promise<void> {
    const now = this.clock.now();
    if (now - this.lastMaintenance < this.maintenanceMs) return;
    this.lastMaintenance = now;
    const lost = await store.failExpiredFinalAttempts(this.db, this.queueName, now);
    if (lost > 0) this.log?.error({ jobs: lost }, 'jobs failed: worker lost during their final attempt');
    await store.pruneFinished(this.db, this.queueName, now, this.retention);
  }

  private launch(row: store.JobRow, handler: JobHandler<any>, token: string): void {
    this.activeByName.set(row.name, (this.activeByName.get(row.name) ?? 0) + 1);
    const ctl = new AbortController();
    const p = this.execute(row, handler, token, ctl).finally(() => {
      this.inFlight.delete(p);
      this.activeByName.set(row.name, (this.activeByName.get(row.name) ?? 1) - 1);
      this.wake(); // a slot is free
    });
    this.inFlight.set(p, ctl);
  }

  private async execute(row: store.JobRow, handler: JobHandler<any>, token: string, ctl: AbortController): Promise<void> {
    const meta = { jobId: row.id, job: row.name, attempt: row.attempts, maxAttempts: row.max_attempts };
    try {
      const ctx = { id: row.id, name: row.name, attempt: row.attempts, workspaceId: row.workspace_id };
      const outcome = await runAttempt(handler, JSON.parse(row.payload), ctx, ctl, row.timeout_ms, this.clock);
      const now = this.clock.now();
      let kept: boolean;
      if (outcome.kind === 'ok') kept = await store.completeJob(this.db, row.id, token, now);
      else if (outcome.kind === 'shutdown') kept = await store.releaseJob(this.db, row.id, token, now);
      else if (row.attempts < row.max_attempts) {
        const runAt = now + backoffDelay(row.attempts, row.backoff_ms, this.random);
        kept = await store.retryJob(this.db, row.id, token, now, runAt, outcome.message);
        this.log?.warn({ ...meta, err: outcome.message, retryAt: new Date(runAt).toISOString() }, 'job attempt failed');
      } else {
        kept = await store.failJob(this.db, row.id, token, now, outcome.message);
        this.log?.error({ ...meta, err: outcome.message }, 'job failed after its last attempt');
      }
      if (!kept) this.log?.warn(meta, 'job lock was lost before the attempt finished; its result was dropped');
    } catch (err) {
      // The lock expires and the job is retried elsewhere: at-least-once, never lost.
      this.log?.error({ ...meta, err: (err as Error).message }, 'could not record job outcome');
    }
  }
}
