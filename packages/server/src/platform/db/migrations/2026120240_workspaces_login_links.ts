import type { Kysely } from 'kysely';

/**
 * One-click log-in links (`/login/<token>`): a short-lived, single-use token standing for one API key, stored only
 * as its HMAC, so any instance on the same database honours a link another instance printed. `used_at` is set by
 * the one conditional UPDATE that redeems it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('login_links')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('key_id', 'text', (c) => c.notNull().references('api_keys.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('login_links_workspace_expiry').on('login_links').columns(['workspace_id', 'expires_at']).execute();
  await db.schema.createIndex('login_links_key').on('login_links').column('key_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('login_links').ifExists().execute();
}
