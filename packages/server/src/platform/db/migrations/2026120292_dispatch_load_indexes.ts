import type { Kysely } from 'kysely';

/**
 * The dispatcher reads an account's load on every round and for every estimate (features/sessions/
 * sessions.dispatch.ts): its active sessions (state, create time), its creates of the last 24 hours, and its most
 * recently finished sessions. Without these, each is a scan of the whole account (100,000 rows for a big one).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('jules_sessions_account_created').on('jules_sessions').columns(['account_id', 'create_time']).execute();
  await db.schema.createIndex('jules_sessions_account_state').on('jules_sessions').columns(['account_id', 'state', 'update_time', 'create_time']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('jules_sessions_account_state').ifExists().execute();
  await db.schema.dropIndex('jules_sessions_account_created').ifExists().execute();
}
