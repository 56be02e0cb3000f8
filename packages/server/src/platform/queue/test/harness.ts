import { sql } from 'kysely';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { z } from 'zod';
import { openDatabase, type Db, type DbTarget } from '../../db';
import type { Logger } from '../../logger';
import { createQueue, defineJobs, type JobQueue } from '../index';

/**
 * Shared by the contract suite and the crash-worker child process: how to reach one queue store (a database or a
 * Redis prefix), make queue instances on it with test-friendly timings, and count side effects across processes.
 */

export const contractCatalog = defineJobs({
  echo: { payload: z.object({ n: z.number().int() }), attempts: 1 },
  other: { payload: z.object({ n: z.number().int() }), attempts: 1 },
  flaky: { payload: z.object({}), attempts: 2, backoffMs: 800 },
  limited: { payload: z.object({ i: z.number().int() }), concurrency: 2 },
  timed: { payload: z.object({}), attempts: 2, backoffMs: 10, timeoutMs: 300 },
  slow: { payload: z.object({}), attempts: 3, backoffMs: 10 },
  // The crash case's lock lapses after timeoutMs + grace (embedded) or lockDuration (BullMQ): both about 1 s.
  crash: { payload: z.object({}), attempts: 3, timeoutMs: 1000 },
});
export type ContractCatalog = typeof contractCatalog;
export type ContractQueue = JobQueue<ContractCatalog>;

/** Serialisable, so it can be handed to a child process on its command line. */
export type QueueTarget = { kind: 'embedded'; db: DbTarget } | { kind: 'bullmq'; redisUrl: string; prefix: string };

export interface QueueHarness {
  target: QueueTarget;
  /** A new queue on the target with its own connection, as another process would have. */
  makeQueue(opts?: { instanceId?: string; log?: Logger }): Promise<ContractQueue>;
  /** Records one completion of a job (a row, or a Redis counter), visible to every process. */
  recordEffect(jobId: string): Promise<void>;
  countEffects(jobId: string): Promise<number>;
  /** Closes every queue made here, then the harness's own connections. */
  close(): Promise<void>;
}

/** Opens a harness on a target; the target's store must exist (a migrated database, a reachable Redis). */
export async function openHarness(target: QueueTarget): Promise<QueueHarness> {
  const queues: ContractQueue[] = [];
  const closeQueues = async () => {
    await Promise.all(queues.splice(0).map((q) => q.close({ timeoutMs: 1000 })));
  };
  if (target.kind === 'embedded') {
    const main = await openDatabase(target.db, undefined, { migrate: false });
    await sql`create table if not exists queue_test_effects (job_id text not null, pid integer not null)`.execute(main.kysely);
    const dbs: Db[] = [main];
    return {
      target,
      async makeQueue(opts = {}) {
        const db = await openDatabase(target.db, undefined, { migrate: false });
        dbs.push(db);
        const q = createQueue({ kind: 'embedded', db, catalog: contractCatalog, instanceId: opts.instanceId, log: opts.log, pollMs: 50, lockGraceMs: 300 });
        queues.push(q);
        return q;
      },
      async recordEffect(jobId) {
        await sql`insert into queue_test_effects (job_id, pid) values (${jobId}, ${process.pid})`.execute(main.kysely);
      },
      async countEffects(jobId) {
        const r = await sql<{ n: number | string }>`select count(*) as n from queue_test_effects where job_id = ${jobId}`.execute(main.kysely);
        return Number(r.rows[0]?.n ?? 0);
      },
      async close() {
        await closeQueues();
        await Promise.all(dbs.map((d) => d.close()));
      },
    };
  }
  const redis = new Redis(target.redisUrl, { maxRetriesPerRequest: 3 });
  const key = (jobId: string) => `${target.prefix}:test-effects:${jobId}`;
  return {
    target,
    async makeQueue(opts = {}) {
      const q = createQueue({
        kind: 'bullmq', redisUrl: target.redisUrl, prefix: target.prefix, catalog: contractCatalog, log: opts.log,
        lockDurationMs: 1000, stalledIntervalMs: 300,
      });
      queues.push(q);
      return q;
    },
    async recordEffect(jobId) {
      await redis.incr(key(jobId));
    },
    async countEffects(jobId) {
      return Number((await redis.get(key(jobId))) ?? 0);
    },
    async close() {
      await closeQueues();
      await redis.quit();
    },
  };
}

/** Removes everything a BullMQ test wrote under its prefix. */
export async function obliterateBullmq(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  try {
    for (const name of Object.keys(contractCatalog)) {
      const q = new Queue(name, { connection: redis, prefix });
      await q.obliterate({ force: true });
      await q.close();
    }
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    await redis.quit();
  }
}
