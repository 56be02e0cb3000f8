import type { Db } from '../../platform/db';
import type { ScheduleRunsTable, SchedulesTable } from '../../platform/db/schema';

/** The key of a history page's last row: newest fire time first, the id breaks ties. */
export interface RunKey {
  fireAt: number;
  id: string;
}

/**
 * Schedules and their runs. Every request-facing query takes the workspace id; the firing loop's queries
 * (`due`, `stalePending`) span every workspace because one loop serves them all, and each row they return
 * carries its workspace_id on through the claim.
 */
export function createSchedulesStore(db: Db) {
  const k = db.kysely;
  return {
    insert: (row: SchedulesTable) => k.insertInto('schedules').values(row).execute(),
    list: (workspaceId: string) => k.selectFrom('schedules').selectAll().where('workspace_id', '=', workspaceId).orderBy('name').orderBy('id').execute(),
    byId: (workspaceId: string, id: string) => k.selectFrom('schedules').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst(),
    byName: (workspaceId: string, name: string) => k.selectFrom('schedules').selectAll().where('workspace_id', '=', workspaceId).where('name', '=', name).executeTakeFirst(),
    update: (workspaceId: string, id: string, patch: Partial<Omit<SchedulesTable, 'id' | 'workspace_id'>>) =>
      k.updateTable('schedules').set(patch).where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst(),
    delete: (workspaceId: string, id: string) => k.deleteFrom('schedules').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst(),

    /** Enabled schedules whose next fire time has come, oldest first. */
    due: (nowMs: number, limit: number) =>
      k.selectFrom('schedules').selectAll().where('enabled', '=', 1).where('next_fire_at', 'is not', null).where('next_fire_at', '<=', nowMs).orderBy('next_fire_at').limit(limit).execute(),

    /**
     * Moves a schedule's next fire time on from `from` to `to`, only if no one moved it meanwhile (another
     * instance, a pause or an edit): an edit made while a tick ran is never overwritten by that tick.
     */
    advance: async (id: string, from: number, to: number | null): Promise<boolean> => {
      const r = await k.updateTable('schedules').set({ next_fire_at: to }).where('id', '=', id).where('next_fire_at', '=', from).where('enabled', '=', 1).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /**
     * The claim: inserts the run of (schedule_id, fire_at) unless a row for it exists. True for exactly one caller
     * per fire time, whichever instance or engine: the UNIQUE constraint decides, not a lock that can expire.
     */
    claim: async (row: ScheduleRunsTable): Promise<boolean> => {
      const r = await k
        .insertInto('schedule_runs')
        .values(row)
        .onConflict((oc) => oc.columns(['schedule_id', 'fire_at']).doNothing())
        .returning('id')
        .executeTakeFirst();
      return r?.id === row.id;
    },

    /** Marks a claimed run started, if it is still this claim (holder and attempt). */
    start: async (id: string, holder: string, attempts: number, nowMs: number): Promise<boolean> => {
      const r = await k
        .updateTable('schedule_runs')
        .set({ started_at: nowMs })
        .where('id', '=', id)
        .where('claimed_by', '=', holder)
        .where('attempts', '=', attempts)
        .where('outcome', '=', 'pending')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Records the outcome of a claim, only if it is still this claim: a claimer that was taken over records nothing. */
    finish: async (id: string, holder: string, attempts: number, o: Pick<ScheduleRunsTable, 'outcome' | 'reason' | 'links' | 'finished_at'>): Promise<boolean> => {
      const r = await k
        .updateTable('schedule_runs')
        .set(o)
        .where('id', '=', id)
        .where('claimed_by', '=', holder)
        .where('attempts', '=', attempts)
        .where('outcome', '=', 'pending')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Pending runs claimed before `claimedBefore`, or (at start) by `holder`: a previous life of this instance. */
    stalePending: (claimedBefore: number, holder: string | null, limit: number) =>
      k
        .selectFrom('schedule_runs')
        .selectAll()
        .where('outcome', '=', 'pending')
        .where((eb) => (holder === null ? eb('claimed_at', '<', claimedBefore) : eb.or([eb('claimed_at', '<', claimedBefore), eb('claimed_by', '=', holder)])))
        .orderBy('claimed_at')
        .limit(limit)
        .execute(),

    /** Takes a pending run over from a claimer presumed dead; true for exactly one taker (the attempt count moves on). */
    takeOver: async (run: Pick<ScheduleRunsTable, 'id' | 'attempts'>, holder: string, nowMs: number): Promise<boolean> => {
      const r = await k
        .updateTable('schedule_runs')
        .set({ claimed_by: holder, claimed_at: nowMs, attempts: run.attempts + 1, started_at: null })
        .where('id', '=', run.id)
        .where('attempts', '=', run.attempts)
        .where('outcome', '=', 'pending')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    scheduleOf: (id: string) => k.selectFrom('schedules').selectAll().where('id', '=', id).executeTakeFirst(),

    /** One page of a schedule's runs, newest fire time first (keyset on fire_at, id). */
    runs: (workspaceId: string, scheduleId: string, limit: number, after?: RunKey) => {
      let q = k.selectFrom('schedule_runs').selectAll().where('workspace_id', '=', workspaceId).where('schedule_id', '=', scheduleId);
      if (after) q = q.where((eb) => eb.or([eb('fire_at', '<', after.fireAt), eb.and([eb('fire_at', '=', after.fireAt), eb('id', '<', after.id)])]));
      return q.orderBy('fire_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    },
  };
}
export type SchedulesStore = ReturnType<typeof createSchedulesStore>;
