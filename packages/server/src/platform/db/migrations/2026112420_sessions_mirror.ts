import type { Kysely } from 'kysely';

/**
 * The Jules session mirror: accounts (Jules API keys per workspace, sealed), sessions and their activities.
 * Times used for ordering are stored in a fixed-width RFC 3339 form (9 fractional digits) so text order is time
 * order on both engines.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('jules_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('api_key_sealed', 'text', (c) => c.notNull())
    .addColumn('key_last4', 'text', (c) => c.notNull())
    .addColumn('base_url', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_sync_at', 'text')
    .addColumn('last_full_sync_at', 'text')
    .addColumn('last_archived_sync_at', 'bigint')
    .addColumn('last_error', 'text')
    .execute();
  await db.schema.createIndex('jules_accounts_ws_name').on('jules_accounts').columns(['workspace_id', 'name']).unique().execute();

  await db.schema
    .createTable('jules_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('jules_accounts.id').onDelete('cascade'))
    .addColumn('jules_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('prompt', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('starting_branch', 'text')
    .addColumn('working_branch', 'text')
    .addColumn('pr_url', 'text')
    .addColumn('url', 'text')
    .addColumn('require_plan_approval', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('automation_mode', 'text')
    .addColumn('outputs', 'text', (c) => c.notNull())
    .addColumn('raw', 'text', (c) => c.notNull())
    .addColumn('archived', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('deleted_at', 'text')
    .addColumn('create_time', 'text', (c) => c.notNull())
    .addColumn('update_time', 'text', (c) => c.notNull())
    .addColumn('last_activity_at', 'text')
    .addColumn('activities_synced_update_time', 'text')
    .addColumn('activity_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('mirrored_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('jules_sessions_account_jules').on('jules_sessions').columns(['account_id', 'jules_id']).unique().execute();
  await db.schema.createIndex('jules_sessions_ws_updated').on('jules_sessions').columns(['workspace_id', 'update_time', 'id']).execute();

  await db.schema
    .createTable('jules_activities')
    .addColumn('session_id', 'text', (c) => c.notNull().references('jules_sessions.id').onDelete('cascade'))
    .addColumn('activity_id', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('originator', 'text', (c) => c.notNull())
    .addColumn('create_time', 'text', (c) => c.notNull())
    .addColumn('raw', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('jules_activities_pk', ['session_id', 'activity_id'])
    .execute();
  await db.schema.createIndex('jules_activities_order').on('jules_activities').columns(['session_id', 'position']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['jules_activities', 'jules_sessions', 'jules_accounts']) await db.schema.dropTable(t).ifExists().execute();
}
