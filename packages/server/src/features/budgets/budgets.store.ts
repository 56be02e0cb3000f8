import { sql } from 'kysely';
import type { Db } from '../../platform/db';
import type { LlmBudgetsTable } from '../../platform/db/schema';

/**
 * Budget rows: limits plus both windows' counters. Reservations are single conditional UPDATEs whose WHERE clause
 * holds the limit check, so concurrent callers (in one process or many, on SQLite or PostgreSQL) cannot all pass
 * it: the database serialises the row updates and each re-evaluates the condition on the current values.
 */
export function createBudgetsStore(db: Db) {
  const k = db.kysely;
  return {
    get: (workspaceId: string) => k.selectFrom('llm_budgets').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst(),

    /** Creates the workspace's row (no limits) unless it exists. */
    ensure: (row: LlmBudgetsTable) =>
      k
        .insertInto('llm_budgets')
        .values(row)
        .onConflict((oc) => oc.column('workspace_id').doNothing())
        .execute(),

    setPolicy: (workspaceId: string, p: Pick<LlmBudgetsTable, 'daily_limit_usd' | 'monthly_limit_usd' | 'on_exhausted' | 'degrade_to' | 'updated_at'>) =>
      k.updateTable('llm_budgets').set(p).where('workspace_id', '=', workspaceId).execute(),

    /** Starts new windows when the day or month has changed; in-flight reservations of the old window are dropped. */
    async rollover(workspaceId: string, day: string, month: string, now: number) {
      await k
        .updateTable('llm_budgets')
        .set({ day_key: day, day_spent: 0, day_reserved: 0, updated_at: now })
        .where('workspace_id', '=', workspaceId)
        .where('day_key', '<>', day)
        .execute();
      await k
        .updateTable('llm_budgets')
        .set({ month_key: month, month_spent: 0, month_reserved: 0, updated_at: now })
        .where('workspace_id', '=', workspaceId)
        .where('month_key', '<>', month)
        .execute();
    },

    /** Adds `amount` to both windows' reservations if neither limit would be passed; true when it did. */
    async reserve(workspaceId: string, amount: number, day: string, month: string, now: number): Promise<boolean> {
      const r = await k
        .updateTable('llm_budgets')
        .set({
          day_reserved: sql`day_reserved + ${amount}`,
          month_reserved: sql`month_reserved + ${amount}`,
          updated_at: now,
        })
        .where('workspace_id', '=', workspaceId)
        .where('day_key', '=', day)
        .where('month_key', '=', month)
        .where((eb) => eb.or([eb('daily_limit_usd', 'is', null), eb(sql`day_spent + day_reserved + ${amount}`, '<=', eb.ref('daily_limit_usd'))]))
        .where((eb) => eb.or([eb('monthly_limit_usd', 'is', null), eb(sql`month_spent + month_reserved + ${amount}`, '<=', eb.ref('monthly_limit_usd'))]))
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /**
     * Releases a reservation and books the actual cost. The reservation only comes off a window it was made in
     * (a window that rolled over meanwhile already forgot it); the cost is booked to the current windows.
     */
    settle: (workspaceId: string, reserved: number, actual: number, day: string, month: string, now: number) =>
      k
        .updateTable('llm_budgets')
        .set({
          day_reserved: sql`case when day_key = ${day} then day_reserved - ${reserved} else day_reserved end`,
          month_reserved: sql`case when month_key = ${month} then month_reserved - ${reserved} else month_reserved end`,
          day_spent: sql`day_spent + ${actual}`,
          month_spent: sql`month_spent + ${actual}`,
          updated_at: now,
        })
        .where('workspace_id', '=', workspaceId)
        .execute(),
  };
}
export type BudgetsStore = ReturnType<typeof createBudgetsStore>;
