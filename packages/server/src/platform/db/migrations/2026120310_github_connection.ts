import type { Kysely } from 'kysely';

/**
 * The GitHub connection of a workspace (features/github): at most one row per workspace, the token only sealed
 * (SecretBox) with its last 4 characters for display, the login GitHub reported when it was checked, and the last
 * error seen with it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('github_connections')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id').onDelete('cascade'))
    // null: the operator's default (GITHUB_API_URL or api.github.com), trusted; set: a user's URL, every request
    // through the outbound guard (as jules_accounts.base_url).
    .addColumn('api_url', 'text')
    .addColumn('token_sealed', 'text', (c) => c.notNull())
    .addColumn('token_last4', 'text', (c) => c.notNull())
    .addColumn('login', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('github_connections').ifExists().execute();
}
