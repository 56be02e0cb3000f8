import type { Kysely } from 'kysely';

/**
 * The GitHub loop (issue #14): pull requests linked to sessions, their check runs (the CI page), the webhook secret
 * with its counters, accepted delivery ids (a replay is processed once) and per-repository automation settings.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('github_pulls')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('html_url', 'text', (c) => c.notNull())
    .addColumn('head_ref', 'text', (c) => c.notNull())
    .addColumn('head_sha', 'text', (c) => c.notNull())
    .addColumn('base_ref', 'text', (c) => c.notNull())
    .addColumn('author', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('draft', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('mergeable', 'integer')
    .addColumn('mergeable_state', 'text')
    .addColumn('checks', 'text', (c) => c.notNull().defaultTo('none'))
    .addColumn('review_decision', 'text', (c) => c.notNull().defaultTo('none'))
    .addColumn('labels', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('session_id', 'text')
    .addColumn('linked_by', 'text')
    .addColumn('merged_at', 'text')
    .addColumn('closed_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('synced_at', 'text', (c) => c.notNull())
    .addColumn('next_poll_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('last_review_id', 'bigint')
    .addUniqueConstraint('github_pulls_number', ['workspace_id', 'repo', 'number'])
    .execute();
  await db.schema.createIndex('github_pulls_session').on('github_pulls').columns(['workspace_id', 'session_id']).execute();
  await db.schema.createIndex('github_pulls_recent').on('github_pulls').columns(['workspace_id', 'updated_at', 'id']).execute();
  await db.schema.createIndex('github_pulls_due').on('github_pulls').columns(['workspace_id', 'state', 'next_poll_at']).execute();

  await db.schema
    .createTable('github_ci_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('check_run_id', 'bigint', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('head_sha', 'text', (c) => c.notNull())
    .addColumn('pr_number', 'integer')
    .addColumn('session_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('conclusion', 'text')
    .addColumn('started_at', 'text')
    .addColumn('completed_at', 'text')
    .addColumn('duration_ms', 'bigint')
    .addColumn('html_url', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('github_ci_runs_check', ['workspace_id', 'repo', 'check_run_id'])
    .execute();
  await db.schema.createIndex('github_ci_runs_recent').on('github_ci_runs').columns(['workspace_id', 'started_at', 'id']).execute();
  await db.schema.createIndex('github_ci_runs_commit').on('github_ci_runs').columns(['workspace_id', 'repo', 'head_sha']).execute();
  await db.schema.createIndex('github_pulls_head').on('github_pulls').columns(['workspace_id', 'repo', 'head_sha']).execute();
  await db.schema.createIndex('github_ci_runs_session').on('github_ci_runs').columns(['workspace_id', 'session_id']).execute();

  await db.schema
    .createTable('github_webhooks')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id').onDelete('cascade'))
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('secret_last4', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('last_delivery_at', 'text')
    .addColumn('deliveries', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rejected', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('github_deliveries')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('github_deliveries_pk', ['workspace_id', 'delivery_id'])
    .execute();
  await db.schema.createIndex('github_deliveries_age').on('github_deliveries').columns(['received_at']).execute();

  await db.schema
    .createTable('github_repo_automation')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('github_repo_automation_pk', ['workspace_id', 'repo'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['github_repo_automation', 'github_deliveries', 'github_webhooks', 'github_ci_runs', 'github_pulls']) await db.schema.dropTable(t).ifExists().execute();
}
