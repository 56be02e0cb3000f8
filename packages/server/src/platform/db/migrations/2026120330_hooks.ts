import type { Kysely } from 'kysely';

/**
 * Inbound webhooks (features/hooks): `hook_endpoints` (one public URL `/hooks/{id}` each, secret sealed, rules as
 * JSON), `hook_deliveries` (the log: UNIQUE (endpoint_id, delivery_id) is the idempotency guard; `lease_until` is a
 * processing claim, so a row left queued by a crashed instance is picked up once it expires) and `hook_followups`
 * (replies owed to a sender once a launched session has a PR).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('hook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('preset', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('rules', 'text', (c) => c.notNull())
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('secret_last4', 'text', (c) => c.notNull())
    .addColumn('reply_api_url', 'text')
    .addColumn('reply_token_sealed', 'text')
    .addColumn('reply_token_last4', 'text')
    .addColumn('deliveries', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rejected', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_delivery_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('hook_endpoints_workspace').on('hook_endpoints').columns(['workspace_id', 'created_at', 'id']).execute();

  await db.schema
    .createTable('hook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('endpoint_id', 'text', (c) => c.notNull().references('hook_endpoints.id').onDelete('cascade'))
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('replay_of', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('event', 'text')
    .addColumn('headers', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('matched', 'text', (c) => c.notNull())
    .addColumn('results', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('processed_at', 'text')
    .addColumn('lease_until', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('hook_deliveries_sender_id').on('hook_deliveries').columns(['endpoint_id', 'delivery_id']).unique().execute();
  await db.schema.createIndex('hook_deliveries_endpoint_received').on('hook_deliveries').columns(['endpoint_id', 'received_at', 'id']).execute();
  await db.schema.createIndex('hook_deliveries_pending').on('hook_deliveries').columns(['status', 'lease_until']).execute();

  await db.schema
    .createTable('hook_followups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('endpoint_id', 'text', (c) => c.notNull().references('hook_endpoints.id').onDelete('cascade'))
    .addColumn('delivery_row_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('batch_id', 'text')
    .addColumn('session_id', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('pr_url', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_at', 'bigint', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('hook_followups_due').on('hook_followups').columns(['state', 'next_at']).execute();
  await db.schema.createIndex('hook_followups_delivery').on('hook_followups').column('delivery_row_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('hook_followups').ifExists().execute();
  await db.schema.dropTable('hook_deliveries').ifExists().execute();
  await db.schema.dropTable('hook_endpoints').ifExists().execute();
}
