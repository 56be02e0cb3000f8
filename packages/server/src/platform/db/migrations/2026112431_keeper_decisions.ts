import type { Kysely } from 'kysely';

/** The keeper's latest decision per session (also "none" and why), so "why did it not act?" has an answer. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('keeper_session_state').addColumn('last_decision', 'text').execute();
  await db.schema.alterTable('keeper_session_state').addColumn('last_reason', 'text').execute();
  await db.schema.alterTable('keeper_session_state').addColumn('last_decided_at', 'bigint').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const c of ['last_decided_at', 'last_reason', 'last_decision']) await db.schema.alterTable('keeper_session_state').dropColumn(c).execute();
}
