import type { Kysely } from 'kysely';

/**
 * The LLM gateway: provider configs (API keys sealed with the master key), one usage row per upstream attempt,
 * per-workspace budget counters (one row holding both windows, so a reservation is one conditional UPDATE), and
 * ordered routing rules. Booleans are integers 0/1 so the same queries run on SQLite and PostgreSQL.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('llm_providers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('api_key_sealed', 'text', (c) => c.notNull())
    .addColumn('key_last4', 'text', (c) => c.notNull())
    .addColumn('base_url', 'text')
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('max_concurrency', 'integer', (c) => c.notNull())
    .addColumn('default_models', 'text', (c) => c.notNull())
    .addColumn('pricing', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('llm_providers_ws_name').on('llm_providers').columns(['workspace_id', 'name']).unique().execute();

  await db.schema
    .createTable('llm_usage')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('provider_id', 'text')
    .addColumn('provider_name', 'text')
    .addColumn('provider_kind', 'text')
    .addColumn('model', 'text')
    .addColumn('task', 'text', (c) => c.notNull())
    .addColumn('persona', 'text')
    .addColumn('session_id', 'text')
    .addColumn('api_key_id', 'text')
    .addColumn('input_tokens', 'integer', (c) => c.notNull())
    .addColumn('output_tokens', 'integer', (c) => c.notNull())
    .addColumn('cost_usd', 'double precision', (c) => c.notNull())
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('degraded', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('llm_usage_ws_at').on('llm_usage').columns(['workspace_id', 'at']).execute();

  await db.schema
    .createTable('llm_budgets')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id').onDelete('cascade'))
    .addColumn('daily_limit_usd', 'double precision')
    .addColumn('monthly_limit_usd', 'double precision')
    .addColumn('on_exhausted', 'text', (c) => c.notNull())
    .addColumn('degrade_to', 'text')
    .addColumn('day_key', 'text', (c) => c.notNull())
    .addColumn('day_spent', 'double precision', (c) => c.notNull())
    .addColumn('day_reserved', 'double precision', (c) => c.notNull())
    .addColumn('month_key', 'text', (c) => c.notNull())
    .addColumn('month_spent', 'double precision', (c) => c.notNull())
    .addColumn('month_reserved', 'double precision', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('llm_routing_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('match', 'text', (c) => c.notNull())
    .addColumn('targets', 'text', (c) => c.notNull())
    .addColumn('fallback_to_defaults', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('llm_routing_rules_ws').on('llm_routing_rules').columns(['workspace_id', 'position']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['llm_routing_rules', 'llm_budgets', 'llm_usage', 'llm_providers']) await db.schema.dropTable(t).ifExists().execute();
}
