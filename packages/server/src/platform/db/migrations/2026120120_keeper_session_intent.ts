import type { Kysely } from 'kysely';

/**
 * What the orchestrator asked for when it created a session. Jules treats `requirePlanApproval` and
 * `automationMode` as input-only (never read back), so the echo columns of the mirror cannot be trusted: the
 * intent is recorded here at create time and the sync never writes these columns. Also the keeper's links
 * between a failed session and the session it created to recover it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('jules_sessions').addColumn('orchestrator_created', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('jules_sessions').addColumn('intent_require_plan_approval', 'integer').execute();
  await db.schema.alterTable('jules_sessions').addColumn('intent_automation_mode', 'text').execute();

  await db.schema
    .createTable('keeper_links')
    .addColumn('action_id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('from_session_id', 'text', (c) => c.notNull())
    .addColumn('to_session_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('keeper_links_from').on('keeper_links').columns(['workspace_id', 'from_session_id']).execute();
  await db.schema.createIndex('keeper_links_to').on('keeper_links').columns(['workspace_id', 'to_session_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('keeper_links').execute();
  for (const c of ['intent_automation_mode', 'intent_require_plan_approval', 'orchestrator_created']) await db.schema.alterTable('jules_sessions').dropColumn(c).execute();
}
