import type { Db } from '../../platform/db';
import type { JulesAccountsTable } from '../../platform/db/schema';

/** Queries for Jules accounts. Rows hold the API key only sealed; every read by id is workspace-scoped. */
export function createAccountsStore(db: Db) {
  const k = db.kysely;
  return {
    insert: (row: JulesAccountsTable) => k.insertInto('jules_accounts').values(row).execute(),
    list: (workspaceId: string) => k.selectFrom('jules_accounts').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').orderBy('id').execute(),
    get: (workspaceId: string, id: string) =>
      k.selectFrom('jules_accounts').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst(),
    byOrigin: (workspaceId: string, origin: string) =>
      k.selectFrom('jules_accounts').selectAll().where('workspace_id', '=', workspaceId).where('origin', '=', origin).execute(),
    /** Every account of every workspace: what the sync loop walks. */
    all: () => k.selectFrom('jules_accounts').selectAll().orderBy('created_at').execute(),
    remove: async (workspaceId: string, id: string) => {
      const r = await k.deleteFrom('jules_accounts').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    update: (id: string, fields: Partial<Omit<JulesAccountsTable, 'id' | 'workspace_id'>>) =>
      k.updateTable('jules_accounts').set(fields).where('id', '=', id).execute(),
  };
}
export type AccountsStore = ReturnType<typeof createAccountsStore>;
