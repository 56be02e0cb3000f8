import { sql, type Kysely } from 'kysely';

/**
 * Notifications that follow reality: read, dismissed and resolved (when, and why) per notification, shared by the
 * workspace; the session's title and what the session looked like when it was raised (state and activity count),
 * so the keeper can tell when the cause cleared and a link to a gone session still says what it was. The ledger
 * keeps the session's title too (log entries name sessions by title, also after the session is gone).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const t = () => db.schema.alterTable('keeper_notifications');
  await t().addColumn('session_title', 'text').execute();
  await t().addColumn('cause_state', 'text').execute();
  await t().addColumn('cause_activities', 'integer').execute();
  await t().addColumn('read_at', 'bigint').execute();
  await t().addColumn('dismissed_at', 'bigint').execute();
  await t().addColumn('resolved_at', 'bigint').execute();
  await t().addColumn('resolved_reason', 'text').execute();
  // The open ones (what a tick checks for a cleared cause, and the unread count) are few: a partial index.
  await db.schema
    .createIndex('keeper_notifications_open')
    .on('keeper_notifications')
    .columns(['workspace_id', 'session_id'])
    .where(sql.ref('resolved_at'), 'is', null)
    .where(sql.ref('dismissed_at'), 'is', null)
    .execute();
  await db.schema.createIndex('keeper_notifications_session').on('keeper_notifications').columns(['workspace_id', 'session_id', 'created_at']).execute();
  await db.schema.alterTable('keeper_actions').addColumn('session_title', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('keeper_actions').dropColumn('session_title').execute();
  await db.schema.dropIndex('keeper_notifications_session').execute();
  await db.schema.dropIndex('keeper_notifications_open').execute();
  for (const c of ['resolved_reason', 'resolved_at', 'dismissed_at', 'read_at', 'cause_activities', 'cause_state', 'session_title']) {
    await db.schema.alterTable('keeper_notifications').dropColumn(c).execute();
  }
}
