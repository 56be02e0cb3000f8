import type { Kysely } from 'kysely';

/**
 * Outbound channels (features/channels): `channels` (kind, sealed config, masked target, filters, counters),
 * `channel_deliveries` (one event owed to one channel, UNIQUE (channel_id, event_id) so the first of several
 * instances seeing the same bus event wins; leased by a conditional UPDATE) and `channel_attempts` (each try).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('channels')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('disabled_reason', 'text')
    .addColumn('config_sealed', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('filters', 'text', (c) => c.notNull())
    .addColumn('secret_last4', 'text')
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull())
    .addColumn('first_failure_at', 'text')
    .addColumn('delivered', 'integer', (c) => c.notNull())
    .addColumn('failed', 'integer', (c) => c.notNull())
    .addColumn('last_delivery_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('channels_workspace').on('channels').columns(['workspace_id', 'created_at', 'id']).execute();

  await db.schema
    .createTable('channel_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('channel_id', 'text', (c) => c.notNull().references('channels.id').onDelete('cascade'))
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint')
    .addColumn('lease_until', 'bigint', (c) => c.notNull())
    .addColumn('leased_by', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('delivered_at', 'text')
    .execute();
  await db.schema.createIndex('channel_deliveries_event').on('channel_deliveries').columns(['channel_id', 'event_id']).unique().execute();
  await db.schema.createIndex('channel_deliveries_due').on('channel_deliveries').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('channel_deliveries_channel').on('channel_deliveries').columns(['channel_id', 'created_at', 'id']).execute();

  await db.schema
    .createTable('channel_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('delivery_id', 'text', (c) => c.notNull().references('channel_deliveries.id').onDelete('cascade'))
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('n', 'integer', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('ok', 'integer', (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('manual', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('channel_attempts_delivery').on('channel_attempts').columns(['delivery_id', 'n']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('channel_attempts').ifExists().execute();
  await db.schema.dropTable('channel_deliveries').ifExists().execute();
  await db.schema.dropTable('channels').ifExists().execute();
}
