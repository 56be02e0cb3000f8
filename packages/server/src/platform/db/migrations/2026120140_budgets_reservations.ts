import { sql, SqliteAdapter, type Kysely } from 'kysely';

/**
 * One row per budget reservation while its call is in flight, with an expiry: the counters in `llm_budgets` say
 * how much is held, these rows say by whom and until when, so a crash (or a call that never ends) cannot hold
 * budget for ever. A reconcile releases expired rows; settle deletes its own row, so a release happens once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('llm_budget_reservations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('amount_usd', 'double precision', (c) => c.notNull())
    .addColumn('day_key', 'text', (c) => c.notNull())
    .addColumn('month_key', 'text', (c) => c.notNull())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('llm_budget_reservations_expires').on('llm_budget_reservations').column('expires_at').execute();
  await db.schema.createIndex('llm_budget_reservations_holder').on('llm_budget_reservations').column('holder').execute();
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    // SQLite has no data-modifying CTEs: triggers keep the counters and the rows in one statement, so no
    // multi-statement transaction is held across awaits (two handles in one thread would deadlock on it).
    // PostgreSQL does the same in one statement with CTEs (budgets.store.ts).
    await sql`create trigger llm_budget_reservations_hold after insert on llm_budget_reservations begin
      update llm_budgets set day_reserved = day_reserved + new.amount_usd, month_reserved = month_reserved + new.amount_usd
      where workspace_id = new.workspace_id; end`.execute(db);
    await sql`create trigger llm_budget_reservations_release after delete on llm_budget_reservations begin
      update llm_budgets set
        day_reserved = case when day_key = old.day_key then day_reserved - old.amount_usd else day_reserved end,
        month_reserved = case when month_key = old.month_key then month_reserved - old.amount_usd else month_reserved end
      where workspace_id = old.workspace_id; end`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('llm_budget_reservations').execute();
}
