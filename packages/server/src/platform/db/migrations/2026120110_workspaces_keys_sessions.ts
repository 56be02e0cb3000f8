import type { Kysely } from 'kysely';

/**
 * API keys get a public id part and an HMAC hash scheme; login sessions (dashboard cookies) get their table.
 *
 * First-wave rows keep `hash_scheme = 'sha256'` here: turning them into HMAC needs the master key, which migrations
 * do not have, so the workspaces service re-hashes them at start (`HMAC(sha256(key))`, scheme `hmac-sha256`) and
 * upgrades each to the plain HMAC scheme with a public id the first time its key is used. Their `prefix` (the first
 * 10 characters of the secret) is wiped now: it was part of the secret.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_keys').addColumn('public_id', 'text').execute();
  await db.schema.alterTable('api_keys').addColumn('hash_scheme', 'text', (c) => c.notNull().defaultTo('sha256')).execute();
  await db.schema.createIndex('api_keys_public_id').on('api_keys').column('public_id').unique().execute();
  await db.updateTable('api_keys').set({ prefix: '' }).execute();

  await db.schema
    .createTable('auth_sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('key_id', 'text', (c) => c.notNull().references('api_keys.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('auth_sessions_key').on('auth_sessions').column('key_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('auth_sessions').ifExists().execute();
  await db.schema.dropIndex('api_keys_public_id').ifExists().execute();
  await db.schema.alterTable('api_keys').dropColumn('hash_scheme').execute();
  await db.schema.alterTable('api_keys').dropColumn('public_id').execute();
}
