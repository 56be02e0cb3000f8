import type { Kysely } from 'kysely';

/**
 * The keeper: settings per workspace, the action ledger (unique per session, kind and trigger, so an action is
 * sent at most once whatever the restarts, retries or instances), per-session keeper state (paused, stuck) and
 * the notifications it raises. Named after the session mirror's migration so databases that already applied
 * the earlier migrations accept it (Kysely refuses migrations inserted before applied ones).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('keeper_settings')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id').onDelete('cascade'))
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('keeper_actions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('message', 'text')
    .addColumn('error', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('settled_at', 'bigint')
    .execute();
  // The exactly-once key: a second claim of the same (session, kind, trigger) fails in the database.
  await db.schema.createIndex('keeper_actions_key').on('keeper_actions').columns(['session_id', 'kind', 'trigger']).unique().execute();
  await db.schema.createIndex('keeper_actions_ws_time').on('keeper_actions').columns(['workspace_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('keeper_actions_ws_status').on('keeper_actions').columns(['workspace_id', 'status']).execute();

  await db.schema
    .createTable('keeper_session_state')
    .addColumn('session_id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('paused', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('keeper_session_state_ws').on('keeper_session_state').column('workspace_id').execute();

  await db.schema
    .createTable('keeper_notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('keeper_notifications_ws_time').on('keeper_notifications').columns(['workspace_id', 'created_at', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['keeper_notifications', 'keeper_session_state', 'keeper_actions', 'keeper_settings']) await db.schema.dropTable(t).ifExists().execute();
}
