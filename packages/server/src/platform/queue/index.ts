import type { Db } from '../db';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import { EmbeddedQueue, type EmbeddedQueueOptions } from './embedded';
import { BullmqQueue, type BullmqQueueOptions } from './bullmq';
import type { JobCatalog, JobQueue } from './port';

export * from './port';
export { backoffDelay, JobTimeoutError, JobShutdownError, type RetentionOptions } from './common';
export { EmbeddedQueue, type EmbeddedQueueOptions } from './embedded';
export { BullmqQueue, type BullmqQueueOptions } from './bullmq';

/** The embedded queue: jobs in the application database (SQLite or PostgreSQL). The default, no extra service. */
export type EmbeddedQueueConfig<C extends JobCatalog> = { kind: 'embedded'; db: Db; catalog: C; log?: Logger; clock?: Clock; instanceId?: string } &
  Omit<EmbeddedQueueOptions<C>, 'db' | 'catalog' | 'log' | 'clock' | 'instanceId'>;

/** BullMQ on Redis: for the distributed deployment (REDIS_URL set). */
export type BullmqQueueConfig<C extends JobCatalog> = { kind: 'bullmq'; redisUrl: string; catalog: C; prefix?: string; log?: Logger } &
  Omit<BullmqQueueOptions<C>, 'redisUrl' | 'catalog' | 'prefix' | 'log'>;

export type QueueConfig<C extends JobCatalog> = EmbeddedQueueConfig<C> | BullmqQueueConfig<C>;

/**
 * Creates the job queue for the deployment: the embedded adapter on the app's Db, or BullMQ on Redis. Both pass
 * the same contract suite (test/contract.ts), so features depend on `JobQueue` only. Register handlers with
 * `handle()`, then `start()`; `close()` on shutdown.
 */
export function createQueue<C extends JobCatalog>(config: QueueConfig<C>): JobQueue<C> {
  if (config.kind === 'embedded') {
    const { kind: _kind, ...opts } = config;
    return new EmbeddedQueue<C>(opts);
  }
  const { kind: _kind, ...opts } = config;
  return new BullmqQueue<C>(opts);
}
