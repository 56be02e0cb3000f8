import { sql, type Kysely } from 'kysely';

/**
 * The default workspace (the one the first start creates, whose owners administer the others) is marked instead of
 * found by its name, so it can be renamed like any other. At most one row carries the mark (a partial unique index).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('workspaces').addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await sql`update workspaces set is_default = 1 where name = 'default'`.execute(db);
  await sql`create unique index workspaces_one_default on workspaces (is_default) where is_default = 1`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists workspaces_one_default`.execute(db);
  await db.schema.alterTable('workspaces').dropColumn('is_default').execute();
}
