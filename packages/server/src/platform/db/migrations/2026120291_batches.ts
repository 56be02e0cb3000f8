import type { Kysely } from 'kysely';

/**
 * Batches (features/batches): `batches` holds one row per batch (its idempotency key unique per workspace, where
 * set; pages by (workspace_id, created_at, id)); `batch_items` one row per item, pointing at the dispatch intent
 * that is the item (its state, session and error live on the intent, so they are never copied here).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('batches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('origin_kind', 'text', (c) => c.notNull())
    .addColumn('origin_id', 'text')
    .addColumn('template_id', 'text')
    .addColumn('idempotency_key', 'text')
    .addColumn('body_hash', 'text')
    .addColumn('cancelled_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // NULLs are distinct in a unique index on both engines, so batches without a key never collide.
  await db.schema.createIndex('batches_key').on('batches').columns(['workspace_id', 'idempotency_key']).unique().execute();
  await db.schema.createIndex('batches_page').on('batches').columns(['workspace_id', 'created_at', 'id']).execute();

  await db.schema
    .createTable('batch_items')
    .addColumn('batch_id', 'text', (c) => c.notNull().references('batches.id').onDelete('cascade'))
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('idx', 'integer', (c) => c.notNull())
    .addColumn('row', 'integer')
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('intent_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('batch_items_pk', ['batch_id', 'idx'])
    .execute();
  await db.schema.createIndex('batch_items_intent').on('batch_items').column('intent_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('batch_items').ifExists().execute();
  await db.schema.dropTable('batches').ifExists().execute();
}
