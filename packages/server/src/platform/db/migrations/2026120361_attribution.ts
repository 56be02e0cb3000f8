import type { Kysely } from 'kysely';

/**
 * Cost attribution (issue #16): who caused each LLM call (`llm_usage.actor`, e.g. `key:<id>`, `person:<id>`,
 * `keeper:keeper`, `schedule:<id>`) and each session create (`dispatch_intents.actor`), with the actor's display
 * name at the time. Null on rows written before this migration. The (workspace_id, actor, at) index serves both the
 * per-key monthly spend check and `GET /api/llm/usage?groupBy=actor`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('llm_usage').addColumn('actor', 'text').execute();
  await db.schema.alterTable('llm_usage').addColumn('actor_name', 'text').execute();
  await db.schema.alterTable('dispatch_intents').addColumn('actor', 'text').execute();
  await db.schema.alterTable('dispatch_intents').addColumn('actor_name', 'text').execute();
  await db.schema.createIndex('llm_usage_ws_actor_at').on('llm_usage').columns(['workspace_id', 'actor', 'at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('llm_usage_ws_actor_at').ifExists().execute();
  await db.schema.alterTable('dispatch_intents').dropColumn('actor_name').execute();
  await db.schema.alterTable('dispatch_intents').dropColumn('actor').execute();
  await db.schema.alterTable('llm_usage').dropColumn('actor_name').execute();
  await db.schema.alterTable('llm_usage').dropColumn('actor').execute();
}
