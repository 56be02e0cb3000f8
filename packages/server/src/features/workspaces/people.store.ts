import type { Db } from '../../platform/db';
import type { OidcIdentitiesTable, UsersTable } from '../../platform/db/schema';

/** Queries for people's accounts, their log-in sessions, password resets and OIDC identities (tokens only as HMACs). */
export function createPeopleStore(db: Db) {
  const k = db.kysely;
  return {
    countUsers: async () => Number((await k.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst())?.n ?? 0),
    userByEmail: (email: string) => k.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst(),
    userById: (id: string) => k.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst(),
    insertUser: (row: UsersTable) => k.insertInto('users').values(row).execute(),
    setPassword: (id: string, hash: string) => k.updateTable('users').set({ password_hash: hash }).where('id', '=', id).execute(),
    touchLogin: (id: string, at: string) => k.updateTable('users').set({ last_login_at: at }).where('id', '=', id).execute(),

    /** A person's log-in session. */
    insertSession: (row: { token_hash: string; user_id: string; workspace_id: string; created_at: string; expires_at: number }) => k.insertInto('user_sessions').values(row).execute(),
    /**
     * A live session joined with its person, workspace and the person's membership there (one query, read on every
     * request: a removed member, a changed role or a disabled account takes effect on the next request).
     */
    sessionByHash: (tokenHash: string, now: number) =>
      k
        .selectFrom('user_sessions')
        .innerJoin('users', 'users.id', 'user_sessions.user_id')
        .innerJoin('workspaces', 'workspaces.id', 'user_sessions.workspace_id')
        .innerJoin('memberships', (j) => j.onRef('memberships.user_id', '=', 'user_sessions.user_id').onRef('memberships.workspace_id', '=', 'user_sessions.workspace_id'))
        .select([
          'user_sessions.user_id as user_id',
          'user_sessions.workspace_id as workspace_id',
          'user_sessions.expires_at as expires_at',
          'users.name as user_name',
          'users.email as email',
          'users.disabled_at as disabled_at',
          'workspaces.name as workspace_name',
          'memberships.role as role',
        ])
        .where('user_sessions.token_hash', '=', tokenHash)
        .where('user_sessions.expires_at', '>', now)
        .executeTakeFirst(),
    moveSession: (tokenHash: string, workspaceId: string) => k.updateTable('user_sessions').set({ workspace_id: workspaceId }).where('token_hash', '=', tokenHash).execute(),
    deleteSession: (tokenHash: string) => k.deleteFrom('user_sessions').where('token_hash', '=', tokenHash).execute(),
    deleteSessionsOf: (userId: string) => k.deleteFrom('user_sessions').where('user_id', '=', userId).execute(),
    deleteExpiredSessions: (now: number) => k.deleteFrom('user_sessions').where('expires_at', '<=', now).execute(),

    insertReset: (row: { token_hash: string; user_id: string; created_at: string; expires_at: number }) => k.insertInto('password_resets').values({ ...row, used_at: null }).execute(),
    resetByHash: (tokenHash: string, now: number) =>
      k.selectFrom('password_resets').select(['user_id']).where('token_hash', '=', tokenHash).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst(),
    /** Spends a reset token: true only for the one caller that marked it used while it was valid. */
    useReset: async (tokenHash: string, now: number): Promise<string | null> => {
      const row = await k.selectFrom('password_resets').select(['user_id']).where('token_hash', '=', tokenHash).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
      if (!row) return null;
      const r = await k.updateTable('password_resets').set({ used_at: now }).where('token_hash', '=', tokenHash).where('used_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1 ? row.user_id : null;
    },

    identity: (issuer: string, subject: string) => k.selectFrom('oidc_identities').selectAll().where('issuer', '=', issuer).where('subject', '=', subject).executeTakeFirst(),
    insertIdentity: (row: OidcIdentitiesTable) => k.insertInto('oidc_identities').values(row).execute(),
  };
}
export type PeopleStore = ReturnType<typeof createPeopleStore>;
