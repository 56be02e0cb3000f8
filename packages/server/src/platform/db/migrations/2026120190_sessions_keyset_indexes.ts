import type { Kysely } from 'kysely';

/**
 * Keyset scans by id at 100,000 sessions. The mirror's index of an account (`account_id = ? and id > ? order by
 * id`), the keeper's signatures of a workspace (`workspace_id = ? and id > ? order by id`) and its summaries of
 * chosen sessions (`workspace_id = ? and id in (...)`) had no index ending in id: SQLite sorted every row of the
 * account in a temporary B-tree for each page of 2,000 (300-400 ms a page at 100,000, fifty pages a poll), and read
 * the whole workspace through `jules_sessions_ws_source` for an IN list. With these each page is a range scan and
 * the IN list a lookup per id, on SQLite and PostgreSQL alike.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('jules_sessions_account_id').on('jules_sessions').columns(['account_id', 'id']).execute();
  await db.schema.createIndex('jules_sessions_ws_id').on('jules_sessions').columns(['workspace_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('jules_sessions_account_id').ifExists().execute();
  await db.schema.dropIndex('jules_sessions_ws_id').ifExists().execute();
}
