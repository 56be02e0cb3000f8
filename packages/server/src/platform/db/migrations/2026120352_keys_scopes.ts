import type { Kysely } from 'kysely';

/** Scoped API keys (issue #16): `scopes` is a JSON array of `<resource>:read|write|*` / `*`; null = unscoped. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_keys').addColumn('scopes', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_keys').dropColumn('scopes').execute();
}
