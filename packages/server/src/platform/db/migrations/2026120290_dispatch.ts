import type { Kysely } from 'kysely';

/**
 * The dispatcher (features/dispatch): `dispatch_intents` holds every session create before Jules is called (the
 * line per account in (account_id, state, priority, seq) order; an idempotency key unique per workspace), and
 * `dispatch_limits` the plan limits each Jules account is held to.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('dispatch_intents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('jules_accounts.id').onDelete('cascade'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('origin_kind', 'text', (c) => c.notNull())
    .addColumn('origin_id', 'text')
    .addColumn('idempotency_key', 'text')
    .addColumn('request', 'text', (c) => c.notNull())
    .addColumn('keeper', 'text')
    .addColumn('session_id', 'text')
    .addColumn('jules_id', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('waiting_for', 'text')
    .addColumn('claim', 'text')
    .addColumn('next_attempt_at', 'bigint')
    .addColumn('dispatched_at', 'bigint')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('dispatch_intents_line').on('dispatch_intents').columns(['account_id', 'state', 'priority', 'seq']).execute();
  await db.schema.createIndex('dispatch_intents_open').on('dispatch_intents').columns(['state', 'account_id']).execute();
  await db.schema.createIndex('dispatch_intents_ws').on('dispatch_intents').columns(['workspace_id', 'seq']).execute();
  await db.schema.createIndex('dispatch_intents_origin').on('dispatch_intents').columns(['workspace_id', 'origin_kind', 'origin_id', 'seq']).execute();
  await db.schema.createIndex('dispatch_intents_key').on('dispatch_intents').columns(['workspace_id', 'idempotency_key']).unique().execute();
  await db.schema.createIndex('dispatch_intents_jules').on('dispatch_intents').columns(['account_id', 'jules_id']).execute();

  await db.schema
    .createTable('dispatch_limits')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('jules_accounts.id').onDelete('cascade'))
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('plan', 'text', (c) => c.notNull())
    .addColumn('concurrent', 'integer')
    .addColumn('daily', 'integer')
    .addColumn('in_flight', 'integer', (c) => c.notNull())
    .addColumn('paused', 'integer', (c) => c.notNull())
    .addColumn('rate_limited_until', 'bigint')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('dispatch_limits').ifExists().execute();
  await db.schema.dropTable('dispatch_intents').ifExists().execute();
}
