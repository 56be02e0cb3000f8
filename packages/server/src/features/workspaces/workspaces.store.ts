import type { Insertable } from 'kysely';
import type { Db } from '../../platform/db';
import type { ApiKeysTable, AuthSessionsTable, WorkspacesTable } from '../../platform/db/schema';

/** Queries for workspaces, API keys and log-in sessions. Key and session rows only ever hold HMACs. */
export function createWorkspacesStore(db: Db) {
  const k = db.kysely;
  return {
    insertWorkspace: (row: Insertable<WorkspacesTable>) => k.insertInto('workspaces').values(row).execute(),
    /** The workspace the first start created (marked, so it may be renamed). */
    defaultWorkspace: () => k.selectFrom('workspaces').selectAll().where('is_default', '=', 1).executeTakeFirst(),
    workspaceById: (id: string) => k.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst(),
    renameWorkspace: (id: string, name: string) => k.updateTable('workspaces').set({ name }).where('id', '=', id).execute(),
    listWorkspaces: () => k.selectFrom('workspaces').selectAll().orderBy('created_at').execute(),
    insertKey: (row: ApiKeysTable) => k.insertInto('api_keys').values(row).execute(),
    /** The key row with this public id, joined with its workspace name, for authentication. */
    keyByPublicId: (publicId: string) =>
      k
        .selectFrom('api_keys')
        .innerJoin('workspaces', 'workspaces.id', 'api_keys.workspace_id')
        .selectAll('api_keys')
        .select('workspaces.name as workspace_name')
        .where('api_keys.public_id', '=', publicId)
        .executeTakeFirst(),
    /** A first-wave row (no public id yet) by its re-hashed digest. */
    legacyKeyByHash: (hash: string) =>
      k
        .selectFrom('api_keys')
        .innerJoin('workspaces', 'workspaces.id', 'api_keys.workspace_id')
        .selectAll('api_keys')
        .select('workspaces.name as workspace_name')
        .where('api_keys.hash_scheme', '=', 'hmac-sha256')
        .where('api_keys.key_hash', '=', hash)
        .executeTakeFirst(),
    rowsWithScheme: (scheme: string) => k.selectFrom('api_keys').select(['id', 'key_hash']).where('hash_scheme', '=', scheme).execute(),
    /** Changes a row's stored hash; `fromHash` guards against a concurrent instance doing the same. */
    rehashKey: (id: string, fromHash: string, to: { key_hash: string; hash_scheme: string; public_id?: string; prefix?: string }) =>
      k.updateTable('api_keys').set(to).where('id', '=', id).where('key_hash', '=', fromHash).execute(),
    countLegacyKeys: async () => {
      const r = await k.selectFrom('api_keys').select((eb) => eb.fn.countAll<number>().as('n')).where('hash_scheme', '!=', 'hmac').executeTakeFirstOrThrow();
      return Number(r.n);
    },
    listKeys: (workspaceId: string) =>
      k.selectFrom('api_keys').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').execute(),
    countActiveKeys: async (workspaceId: string) => {
      const r = await k
        .selectFrom('api_keys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('workspace_id', '=', workspaceId)
        .where('revoked_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
    /**
     * Revokes a key unless it is the workspace's last active owner key: 'revoked', 'last_owner' or 'gone'. The
     * workspace row is locked first (a no-op update), so two owners revoking each other at once cannot both win.
     */
    revokeKey: (workspaceId: string, id: string, at: string) =>
      k.transaction().execute(async (tx) => {
        await tx.updateTable('workspaces').set((eb) => ({ name: eb.ref('name') })).where('id', '=', workspaceId).execute();
        const row = await tx.selectFrom('api_keys').select(['role', 'revoked_at']).where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
        if (!row || row.revoked_at) return 'gone' as const;
        if (row.role === 'owner') {
          const others = await tx
            .selectFrom('api_keys')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('workspace_id', '=', workspaceId)
            .where('role', '=', 'owner')
            .where('revoked_at', 'is', null)
            .where('id', '!=', id)
            .executeTakeFirstOrThrow();
          if (Number(others.n) === 0) return 'last_owner' as const;
        }
        await tx.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
        // A revoked key's log-in sessions die with it.
        await tx.deleteFrom('auth_sessions').where('key_id', '=', id).execute();
        return 'revoked' as const;
      }),
    keyById: (workspaceId: string, id: string) =>
      k.selectFrom('api_keys').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst(),
    insertSession: (row: AuthSessionsTable) => k.insertInto('auth_sessions').values(row).execute(),
    /** A live session joined with its key and workspace; null when expired, missing or its key is revoked. */
    sessionByHash: (tokenHash: string, now: number) =>
      k
        .selectFrom('auth_sessions')
        .innerJoin('api_keys', 'api_keys.id', 'auth_sessions.key_id')
        .innerJoin('workspaces', 'workspaces.id', 'api_keys.workspace_id')
        .selectAll('api_keys')
        .select(['workspaces.name as workspace_name', 'auth_sessions.expires_at as session_expires_at'])
        .where('auth_sessions.token_hash', '=', tokenHash)
        .where('auth_sessions.expires_at', '>', now)
        .where('api_keys.revoked_at', 'is', null)
        .where((eb) => eb.or([eb('api_keys.expires_at', 'is', null), eb('api_keys.expires_at', '>', new Date(now).toISOString())]))
        .executeTakeFirst(),
    deleteSession: (tokenHash: string) => k.deleteFrom('auth_sessions').where('token_hash', '=', tokenHash).execute(),
    deleteExpiredSessions: (now: number) => k.deleteFrom('auth_sessions').where('expires_at', '<=', now).execute(),
    /** Changes a key's name, scopes or limits (only the columns given). */
    updateKey: (workspaceId: string, id: string, set: Partial<Pick<ApiKeysTable, 'name' | 'scopes' | 'rate_per_minute' | 'requests_per_day' | 'llm_usd_per_month'>>) =>
      k.updateTable('api_keys').set(set).where('workspace_id', '=', workspaceId).where('id', '=', id).execute(),
    /** LLM spend (USD) attributed to a key since `fromDay` (yyyy-mm-dd, inclusive). */
    llmSpendOfKey: async (workspaceId: string, keyId: string, fromDay: string) => {
      const r = await k
        .selectFrom('llm_usage')
        .select((eb) => eb.fn.sum<number | string | null>('cost_usd').as('usd'))
        .where('workspace_id', '=', workspaceId)
        .where('api_key_id', '=', keyId)
        .where('day', '>=', fromDay)
        .executeTakeFirst();
      return Number(r?.usd ?? 0);
    },
    /** Session creates the key asked for (dispatch intents attributed to `key:<id>`, issue #16), all time. */
    sessionCreatesOfKey: async (workspaceId: string, keyId: string) => {
      const r = await k
        .selectFrom('dispatch_intents')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('workspace_id', '=', workspaceId)
        .where('actor', '=', `key:${keyId}`)
        .executeTakeFirst();
      return Number(r?.n ?? 0);
    },
    touchKey: (id: string, at: string) => k.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute(),
  };
}
export type WorkspacesStore = ReturnType<typeof createWorkspacesStore>;
