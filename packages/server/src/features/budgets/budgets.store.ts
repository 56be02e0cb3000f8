import { sql } from 'kysely';
import type { Db } from '../../platform/db';
import type { LlmBudgetReservationsTable, LlmBudgetsTable } from '../../platform/db/schema';

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

    /**
     * Records the reservation and adds its amount to both windows if neither limit would be passed, as one
     * statement (a counter without its row could never be released); true when it did. PostgreSQL: the
     * conditional UPDATE (row lock, condition re-checked on the current values) feeds the INSERT in a CTE.
     * SQLite: INSERT ... SELECT under the database's single writer, triggers move the counters.
     */
    async reserve(r: LlmBudgetReservationsTable, now: number): Promise<boolean> {
      const amount = r.amount_usd;
      const fits = sql`(daily_limit_usd is null or day_spent + day_reserved + ${amount} <= daily_limit_usd)
        and (monthly_limit_usd is null or month_spent + month_reserved + ${amount} <= monthly_limit_usd)`;
      const cols = sql`(id, workspace_id, amount_usd, day_key, month_key, holder, created_at, expires_at)`;
      const vals = sql`${r.id}, ${r.workspace_id}, ${amount}, ${r.day_key}, ${r.month_key}, ${r.holder}, ${r.created_at}, ${r.expires_at}`;
      const res =
        db.dialect === 'postgres'
          ? await sql`with u as (
              update llm_budgets set day_reserved = day_reserved + ${amount}, month_reserved = month_reserved + ${amount}, updated_at = ${now}
              where workspace_id = ${r.workspace_id} and day_key = ${r.day_key} and month_key = ${r.month_key} and ${fits}
              returning workspace_id)
            insert into llm_budget_reservations ${cols} select ${vals} from u`.execute(k)
          : await sql`insert into llm_budget_reservations ${cols} select ${vals} from llm_budgets
              where workspace_id = ${r.workspace_id} and day_key = ${r.day_key} and month_key = ${r.month_key} and ${fits}`.execute(k);
      return Number(res.numAffectedRows ?? 0) === 1;
    },

    /**
     * Ends a reservation: deletes its row and, only if this call deleted it, takes its amount off the windows it
     * was made in (a window that rolled over meanwhile already forgot it); books `actual` to the current windows.
     * Deleting and releasing in one statement makes settle and the expiry reconcile release a hold exactly once
     * between them. Returns true when this call released the held amount.
     */
    async release(r: Pick<LlmBudgetReservationsTable, 'id' | 'workspace_id'>, actual: number, now: number): Promise<boolean> {
      if (db.dialect === 'postgres') {
        const res = await sql<{ released: number }>`with d as (delete from llm_budget_reservations where id = ${r.id} returning amount_usd, day_key, month_key)
          update llm_budgets set
            day_reserved = day_reserved - coalesce((select amount_usd from d where d.day_key = llm_budgets.day_key), 0),
            month_reserved = month_reserved - coalesce((select amount_usd from d where d.month_key = llm_budgets.month_key), 0),
            day_spent = day_spent + ${actual}, month_spent = month_spent + ${actual}, updated_at = ${now}
          where workspace_id = ${r.workspace_id}
          returning (select count(*) from d)::int as released`.execute(k);
        return Number(res.rows[0]?.released ?? 0) === 1;
      }
      const d = await k.deleteFrom('llm_budget_reservations').where('id', '=', r.id).executeTakeFirst();
      if (actual !== 0) {
        await k
          .updateTable('llm_budgets')
          .set({ day_spent: sql`day_spent + ${actual}`, month_spent: sql`month_spent + ${actual}`, updated_at: now })
          .where('workspace_id', '=', r.workspace_id)
          .execute();
      }
      return Number(d.numDeletedRows) === 1;
    },

    /** Reservations past their expiry, or (at start) held by `holder`: a previous life of this same instance. */
    stale: (now: number, holder: string | null, limit: number) =>
      k
        .selectFrom('llm_budget_reservations')
        .selectAll()
        .where((eb) => (holder === null ? eb('expires_at', '<=', now) : eb.or([eb('expires_at', '<=', now), eb('holder', '=', holder)])))
        .orderBy('expires_at')
        .limit(limit)
        .execute(),

    /** Reservations held now (for status and tests). */
    open: (workspaceId: string) => k.selectFrom('llm_budget_reservations').selectAll().where('workspace_id', '=', workspaceId).execute(),
  };
}
export type BudgetsStore = ReturnType<typeof createBudgetsStore>;
