import type { Kysely } from 'kysely';

/**
 * A workspace's GitHub connection may be a GitHub App installation (features/github): `kind` says which, and for an
 * app `token_sealed` holds the app's private key (PEM, sealed by the SecretBox) while `app_id`, `installation_id`,
 * `app_slug`, `account` and `repositories` are what GitHub answered when it was checked. Ids are text: GitHub's are
 * integers that outgrow 32 bits over time, and text reads back the same on SQLite and PostgreSQL.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('github_connections').addColumn('kind', 'text', (c) => c.notNull().defaultTo('token')).execute();
  for (const col of ['app_id', 'installation_id', 'app_slug', 'account']) {
    await db.schema.alterTable('github_connections').addColumn(col, 'text').execute();
  }
  await db.schema.alterTable('github_connections').addColumn('repositories', 'integer').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const col of ['repositories', 'account', 'app_slug', 'installation_id', 'app_id', 'kind']) {
    await db.schema.alterTable('github_connections').dropColumn(col).execute();
  }
}
