import type { Db } from '../../platform/db';
import type { LlmProvidersTable } from '../../platform/db/schema';

/** Queries for LLM provider configs; every one is scoped to a workspace. */
export function createProvidersStore(db: Db) {
  const k = db.kysely;
  return {
    insert: (row: LlmProvidersTable) => k.insertInto('llm_providers').values(row).execute(),
    list: (workspaceId: string) =>
      k.selectFrom('llm_providers').selectAll().where('workspace_id', '=', workspaceId).orderBy('priority').orderBy('created_at').execute(),
    byId: (workspaceId: string, id: string) =>
      k.selectFrom('llm_providers').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst(),
    byName: (workspaceId: string, name: string) =>
      k.selectFrom('llm_providers').selectAll().where('workspace_id', '=', workspaceId).where('name', '=', name).executeTakeFirst(),
    update: (workspaceId: string, id: string, patch: Partial<Omit<LlmProvidersTable, 'id' | 'workspace_id'>>) =>
      k.updateTable('llm_providers').set(patch).where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst(),
    delete: (workspaceId: string, id: string) =>
      k.deleteFrom('llm_providers').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst(),
  };
}
export type ProvidersStore = ReturnType<typeof createProvidersStore>;
