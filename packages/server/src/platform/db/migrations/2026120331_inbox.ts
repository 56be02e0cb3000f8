import type { Kysely } from 'kysely';

/**
 * The notification center (features/inbox): `notices` (one row per entry; repeats with the same open group key are
 * grouped, UNIQUE (workspace_id, open_group) so two instances raising the same repeat at once make one entry; the
 * column is null once the entry is dismissed or resolved, so the next repeat opens a new one), `event_receipts`
 * (a bus event one consumer already handled: every instance sees every event, the winner of the insert acts) and
 * `budget_alerts` (a budget threshold already announced: once per budget, period and percent).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('notices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text')
    .addColumn('repo', 'text')
    .addColumn('links', 'text', (c) => c.notNull())
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('open_group', 'text')
    .addColumn('ref', 'text')
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('first_at', 'text', (c) => c.notNull())
    .addColumn('last_at', 'text', (c) => c.notNull())
    .addColumn('last_ms', 'bigint', (c) => c.notNull())
    .addColumn('read_at', 'text')
    .addColumn('dismissed_at', 'text')
    .addColumn('snoozed_until', 'bigint')
    .addColumn('resolved_at', 'text')
    .addColumn('resolved_reason', 'text')
    .execute();
  await db.schema.createIndex('notices_open_group').on('notices').columns(['workspace_id', 'open_group']).unique().execute();
  await db.schema.createIndex('notices_workspace_last').on('notices').columns(['workspace_id', 'last_ms', 'id']).execute();
  await db.schema.createIndex('notices_workspace_ref').on('notices').columns(['workspace_id', 'ref']).execute();
  await db.schema.createIndex('notices_snoozed').on('notices').column('snoozed_until').execute();

  await db.schema
    .createTable('event_receipts')
    .addColumn('consumer', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('event_receipts_pk', ['consumer', 'event_id'])
    .execute();
  await db.schema.createIndex('event_receipts_at').on('event_receipts').column('at').execute();

  await db.schema
    .createTable('budget_alerts')
    .addColumn('budget_id', 'text', (c) => c.notNull())
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('percent', 'integer', (c) => c.notNull())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('budget_alerts_pk', ['budget_id', 'period', 'percent'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('budget_alerts').ifExists().execute();
  await db.schema.dropTable('event_receipts').ifExists().execute();
  await db.schema.dropTable('notices').ifExists().execute();
}
