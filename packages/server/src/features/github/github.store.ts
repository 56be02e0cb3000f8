import type { Kysely } from 'kysely';
import type { Db } from '../../platform/db';

/** A row of `github_connections` (migration 2026120310). Mirrors the interface to add to platform/db/schema.ts. */
export interface GitHubConnectionsTable {
  workspace_id: string;
  /** null: the operator's default API URL (trusted); set: a user-supplied URL (outbound guard). */
  api_url: string | null;
  token_sealed: string;
  token_last4: string;
  login: string;
  created_at: string;
  updated_at: string;
  last_error: string | null;
}

/** The GitHub connection rows; one per workspace, every query keyed by the workspace id. */
export function createGitHubStore(db: Db) {
  // The table is not in platform/db/schema.ts's Database yet: typed here for this store only.
  const k = db.kysely as unknown as Kysely<{ github_connections: GitHubConnectionsTable }>;
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
    setError: (workspaceId: string, lastError: string | null, at: string) =>
      k.updateTable('github_connections').set({ last_error: lastError, updated_at: at }).where('workspace_id', '=', workspaceId).execute(),
  };
}
export type GitHubStore = ReturnType<typeof createGitHubStore>;
