import { sql, type ExpressionBuilder, type Kysely, type Selectable } from 'kysely';
import type { Db } from '../db';
import type { Database, JobsTable } from '../db/schema';
import type { QueueCounts } from './port';
import type { RetentionOptions } from './common';

/**
 * The embedded queue's SQL, one query per state transition, identical on SQLite and PostgreSQL except for the
 * row-locking clause of the claim. Every transition out of `active` is fenced by `locked_by` (a token unique to
 * one claim), so a worker whose lock expired and whose job was claimed again cannot overwrite the new attempt.
 */

export type JobRow = Selectable<JobsTable>;
type Eb = ExpressionBuilder<Database, 'jobs'>;

/** Stored in `dedupe_key`: the unique index is (queue, dedupe_key), and keys are scoped per job name. */
export const scopedDedupeKey = (name: string, key: string) => `${name}\u001f${key}`;

/** Jobs of `name` that may be claimed now: due waiting jobs, and active jobs whose worker's lock has expired. */
function claimable(eb: Eb, queue: string, name: string, now: number) {
  return eb.and([
    eb('queue', '=', queue),
    eb('name', '=', name),
    eb.or([
      eb.and([eb('state', '=', 'waiting'), eb('run_at', '<=', now)]),
      // An expired final attempt is not run again: failExpiredFinalAttempts() marks it failed instead.
      eb.and([eb('state', '=', 'active'), eb('locked_until', '<', now), eb('attempts', '<', eb.ref('max_attempts'))]),
    ]),
  ]);
}

/**
 * Moves up to `limit` claimable jobs to active under `token`. On PostgreSQL `for update skip locked` lets concurrent
 * claimers pass over each other's rows instead of waiting on them or claiming them twice; the update re-checks
 * claimability anyway, so a row that changed in between is simply not claimed.
 */
export async function claimJobs(
  db: Db,
  q: { queue: string; name: string; limit: number; now: number; token: string; lockGraceMs: number },
): Promise<JobRow[]> {
  const claim = async (k: Kysely<Database>, ids: string[]) =>
    ids.length === 0
      ? []
      : k
          .updateTable('jobs')
          .set((eb) => ({
            state: 'active',
            attempts: eb('attempts', '+', 1),
            locked_by: q.token,
            // The lock outlives the attempt's own timeout by a grace period; only a dead worker lets it lapse.
            locked_until: sql<number>`timeout_ms + cast(${q.now + q.lockGraceMs} as bigint)`,
            updated_at: q.now,
          }))
          .where('id', 'in', ids)
          .where((eb) => claimable(eb, q.queue, q.name, q.now))
          .returningAll()
          .execute();
  const pick = (k: Kysely<Database>) =>
    k.selectFrom('jobs').select('id').where((eb) => claimable(eb, q.queue, q.name, q.now)).orderBy('run_at').orderBy('created_at').limit(q.limit);
  if (db.dialect === 'postgres') {
    // Two statements in one transaction, not `update ... where id in (select ... for update skip locked)`: PostgreSQL
    // may re-run such a subquery during the update, and rows the update already touched are then skipped, so the
    // limit stops holding (seen: 6 rows claimed with limit 2).
    return db.kysely.transaction().execute(async (trx) => claim(trx, (await pick(trx).forUpdate().skipLocked().execute()).map((r) => r.id)));
  }
  // SQLite runs one writer at a time and the update re-checks claimability, so a job another connection took since
  // our select is simply not in the result. No transaction: upgrading a read transaction to a write one in WAL mode
  // fails with SQLITE_BUSY_SNAPSHOT when another connection wrote in between.
  return claim(db.kysely, (await pick(db.kysely).execute()).map((r) => r.id));
}

/** Fenced transition of a claimed job; false when the claim was lost (lock expired and job re-claimed). */
async function transition(db: Db, id: string, token: string, set: Partial<Record<keyof JobsTable, unknown>>): Promise<boolean> {
  const r = await db.kysely
    .updateTable('jobs')
    .set(set as never)
    .where('id', '=', id)
    .where('state', '=', 'active')
    .where('locked_by', '=', token)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

const unlocked = { locked_by: null, locked_until: null };

/** The attempt succeeded: keep the row for retention, release the dedupe key. */
export const completeJob = (db: Db, id: string, token: string, now: number) =>
  transition(db, id, token, { ...unlocked, state: 'completed', finished_at: now, updated_at: now, dedupe_key: null });

/** The attempt failed and another one is due at `runAt`. */
export const retryJob = (db: Db, id: string, token: string, now: number, runAt: number, error: string) =>
  transition(db, id, token, { ...unlocked, state: 'waiting', run_at: runAt, last_error: error, updated_at: now });

/** The last attempt failed: the job is finished, its dedupe key released. */
export const failJob = (db: Db, id: string, token: string, now: number, error: string) =>
  transition(db, id, token, { ...unlocked, state: 'failed', last_error: error, finished_at: now, updated_at: now, dedupe_key: null });

/** Shutdown interrupted the attempt: give the attempt back and make the job due at once for another worker. */
export async function releaseJob(db: Db, id: string, token: string, now: number): Promise<boolean> {
  const r = await db.kysely
    .updateTable('jobs')
    .set((eb) => ({ ...unlocked, state: 'waiting', run_at: now, updated_at: now, attempts: eb('attempts', '-', 1) }))
    .where('id', '=', id)
    .where('state', '=', 'active')
    .where('locked_by', '=', token)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Jobs whose worker died during their final attempt would otherwise stay active forever. */
export async function failExpiredFinalAttempts(db: Db, queue: string, now: number): Promise<number> {
  const r = await db.kysely
    .updateTable('jobs')
    .set({ ...unlocked, state: 'failed', last_error: 'Worker lost during the final attempt (lock expired)', finished_at: now, updated_at: now, dedupe_key: null })
    .where('queue', '=', queue)
    .where('state', '=', 'active')
    .where('locked_until', '<', now)
    .where((eb) => eb('attempts', '>=', eb.ref('max_attempts')))
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Deletes finished jobs past their age, and beyond the newest `keep` of each state. */
export async function pruneFinished(db: Db, queue: string, now: number, r: RetentionOptions): Promise<number> {
  let deleted = 0;
  for (const [state, maxAge, keep] of [['completed', r.completedMaxAgeMs, r.completedKeep], ['failed', r.failedMaxAgeMs, r.failedKeep]] as const) {
    const nth = await db.kysely
      .selectFrom('jobs')
      .select('finished_at')
      .where('queue', '=', queue)
      .where('state', '=', state)
      .orderBy('finished_at', 'desc')
      .offset(Math.max(0, keep - 1))
      .limit(1)
      .executeTakeFirst();
    // Everything older than the keep-th newest goes; ties with it stay (a few more than `keep`, never fewer).
    const byCount = keep <= 0 ? Number.MAX_SAFE_INTEGER : (nth?.finished_at ?? 0);
    const cutoff = Math.max(now - maxAge, byCount);
    const res = await db.kysely
      .deleteFrom('jobs')
      .where('queue', '=', queue)
      .where('state', '=', state)
      .where('finished_at', '<', cutoff)
      .executeTakeFirst();
    deleted += Number(res.numDeletedRows);
  }
  return deleted;
}

/** Per-state counts; waiting jobs not yet due are reported as delayed, like BullMQ does. */
export async function countJobs(db: Db, queue: string, now: number): Promise<QueueCounts> {
  const rows = await db.kysely
    .selectFrom('jobs')
    .select((eb) => [
      'state',
      eb.fn.countAll().as('n'),
      eb.fn.sum(eb.case().when('run_at', '>', now).then(1).else(0).end()).as('later'),
    ])
    .where('queue', '=', queue)
    .groupBy('state')
    .execute();
  const out: QueueCounts = { waiting: 0, delayed: 0, active: 0, completed: 0, failed: 0 };
  for (const r of rows) {
    const n = Number(r.n);
    if (r.state === 'waiting') {
      out.delayed += Number(r.later ?? 0);
      out.waiting += n - Number(r.later ?? 0);
    } else if (r.state === 'active' || r.state === 'completed' || r.state === 'failed') out[r.state] += n;
  }
  return out;
}
