import type { Kysely } from 'kysely';

/**
 * Per-key limits (issue #16): requests per minute, requests per UTC day (integers) and LLM spend per month in USD
 * (double precision on PostgreSQL, REAL on SQLite); null = no limit of that kind.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_keys').addColumn('rate_per_minute', 'integer').execute();
  await db.schema.alterTable('api_keys').addColumn('requests_per_day', 'integer').execute();
  await db.schema.alterTable('api_keys').addColumn('llm_usd_per_month', 'double precision').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_keys').dropColumn('llm_usd_per_month').execute();
  await db.schema.alterTable('api_keys').dropColumn('requests_per_day').execute();
  await db.schema.alterTable('api_keys').dropColumn('rate_per_minute').execute();
}
