import { sql, type Kysely } from 'kysely';

/**
 * The board reads one column at a time, newest update first, at 100,000 sessions: this partial index makes a
 * column page a range scan (workspace, archived, column, update_time, id) and the per-column counts an index-only
 * scan. The CASE expression must stay token for token the one in features/sessions/sessions.board.store.ts
 * (`COLUMN_SQL`, built from contracts/board.ts), or the planners stop matching it; the store tests check with EXPLAIN.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index jules_sessions_board on jules_sessions (workspace_id, archived, (case state when 'AWAITING_PLAN_APPROVAL' then 'approval' when 'AWAITING_USER_FEEDBACK' then 'input' when 'IN_PROGRESS' then 'running' when 'PAUSED' then 'running' when 'FAILED' then 'failed' when 'COMPLETED' then 'completed' else 'queued' end), update_time, id, state) where deleted_at is null`.execute(db);
  // The repository filter's choices: one index-only group-by instead of a table scan.
  await db.schema.createIndex('jules_sessions_ws_source').on('jules_sessions').columns(['workspace_id', 'source']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('jules_sessions_board').ifExists().execute();
  await db.schema.dropIndex('jules_sessions_ws_source').ifExists().execute();
}
