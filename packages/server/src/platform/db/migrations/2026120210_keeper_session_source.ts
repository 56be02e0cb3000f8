import type { Kysely } from 'kysely';

/** The session's repository next to its title in the ledger and notifications: a gone session's page still names it. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('keeper_actions').addColumn('session_source', 'text').execute();
  await db.schema.alterTable('keeper_notifications').addColumn('session_source', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('keeper_notifications').dropColumn('session_source').execute();
  await db.schema.alterTable('keeper_actions').dropColumn('session_source').execute();
}
