import type { Db } from '../../platform/db';
import type { GitHubConnectionsTable } from '../../platform/db/schema';

export type { GitHubConnectionsTable } from '../../platform/db/schema';

/** The GitHub connection rows; one per workspace, every query keyed by the workspace id. */
export function createGitHubStore(db: Db) {
  const k = db.kysely;
  return {
    get: (workspaceId: string) => k.selectFrom('github_connections').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst(),
    /** Insert or replace the workspace's connection (created_at kept on replace). */
    async put(row: GitHubConnectionsTable): Promise<GitHubConnectionsTable> {
      const { workspace_id: _ws, created_at: _created, ...replace } = row;
      await k
        .insertInto('github_connections')
        .values(row)
        .onConflict((oc) => oc.column('workspace_id').doUpdateSet(replace))
        .execute();
      return (await k.selectFrom('github_connections').selectAll().where('workspace_id', '=', row.workspace_id).executeTakeFirstOrThrow());
    },
    remove: async (workspaceId: string) => {
      const r = await k.deleteFrom('github_connections').where('workspace_id', '=', workspaceId).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    /** Workspaces with a connection (the GitHub loop polls each). */
    workspaces: async () => (await k.selectFrom('github_connections').select('workspace_id').execute()).map((r) => r.workspace_id),
    setError: (workspaceId: string, lastError: string | null, at: string) =>
      k.updateTable('github_connections').set({ last_error: lastError, updated_at: at }).where('workspace_id', '=', workspaceId).execute(),
  };
}
export type GitHubStore = ReturnType<typeof createGitHubStore>;
