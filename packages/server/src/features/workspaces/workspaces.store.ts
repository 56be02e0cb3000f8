import type { Db } from '../../platform/db';
import type { ApiKeysTable, WorkspacesTable } from '../../platform/db/schema';

/** Queries for workspaces and API keys. Key rows only ever hold the key's hash. */
export function createWorkspacesStore(db: Db) {
  const k = db.kysely;
  return {
    insertWorkspace: (row: WorkspacesTable) => k.insertInto('workspaces').values(row).execute(),
    workspaceByName: (name: string) => k.selectFrom('workspaces').selectAll().where('name', '=', name).executeTakeFirst(),
    workspaceById: (id: string) => k.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst(),
    listWorkspaces: () => k.selectFrom('workspaces').selectAll().orderBy('created_at').execute(),
    insertKey: (row: ApiKeysTable) => k.insertInto('api_keys').values(row).execute(),
    /** The key row joined with its workspace name, for authentication. */
    keyByHash: (hash: string) =>
      k
        .selectFrom('api_keys')
        .innerJoin('workspaces', 'workspaces.id', 'api_keys.workspace_id')
        .selectAll('api_keys')
        .select('workspaces.name as workspace_name')
        .where('api_keys.key_hash', '=', hash)
        .executeTakeFirst(),
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
    revokeKey: (workspaceId: string, id: string, at: string) =>
      k
        .updateTable('api_keys')
        .set({ revoked_at: at })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst(),
    keyById: (workspaceId: string, id: string) =>
      k.selectFrom('api_keys').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst(),
    touchKey: (id: string, at: string) => k.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute(),
  };
}
export type WorkspacesStore = ReturnType<typeof createWorkspacesStore>;
