import type { Kysely } from 'kysely';

/**
 * Schedules (cron in an IANA zone, or a fixed interval) and their runs. A run row is the claim of one fire time:
 * UNIQUE (schedule_id, fire_at) lets exactly one instance insert it, so exactly one fires it; `outcome` stays
 * 'pending' until the claimer records how it went, and a pending row whose claim is old is taken over
 * (features/schedules/README.md).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('schedules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('cron', 'text')
    .addColumn('interval_seconds', 'integer')
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('missed_run_policy', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('anchor_at', 'bigint', (c) => c.notNull())
    .addColumn('next_fire_at', 'bigint')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('schedules_workspace_name').on('schedules').columns(['workspace_id', 'name']).unique().execute();
  await db.schema.createIndex('schedules_next_fire').on('schedules').column('next_fire_at').execute();

  await db.schema
    .createTable('schedule_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('schedule_id', 'text', (c) => c.notNull().references('schedules.id').onDelete('cascade'))
    .addColumn('fire_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_by', 'text', (c) => c.notNull())
    .addColumn('claimed_at', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('missed', 'integer', (c) => c.notNull())
    .addColumn('links', 'text', (c) => c.notNull())
    .addUniqueConstraint('schedule_runs_fire_once', ['schedule_id', 'fire_at'])
    .execute();
  await db.schema.createIndex('schedule_runs_workspace_schedule_fire').on('schedule_runs').columns(['workspace_id', 'schedule_id', 'fire_at']).execute();
  await db.schema.createIndex('schedule_runs_outcome_claimed').on('schedule_runs').columns(['outcome', 'claimed_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('schedule_runs').ifExists().execute();
  await db.schema.dropTable('schedules').ifExists().execute();
}
