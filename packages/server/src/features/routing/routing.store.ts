import type { Db } from '../../platform/db';
import type { LlmRoutingRulesTable } from '../../platform/db/schema';

/** Routing rules of a workspace, in position order. */
export function createRoutingStore(db: Db) {
  const k = db.kysely;
  return {
    list: (workspaceId: string) => k.selectFrom('llm_routing_rules').selectAll().where('workspace_id', '=', workspaceId).orderBy('position').execute(),
    /** Replaces the whole ordered list in one transaction, so readers never see half of it. */
    replaceAll: (workspaceId: string, rows: LlmRoutingRulesTable[]) =>
      k.transaction().execute(async (tx) => {
        await tx.deleteFrom('llm_routing_rules').where('workspace_id', '=', workspaceId).execute();
        if (rows.length) await tx.insertInto('llm_routing_rules').values(rows).execute();
      }),
    insert: (row: LlmRoutingRulesTable) => k.insertInto('llm_routing_rules').values(row).execute(),
    maxPosition: async (workspaceId: string) => {
      const r = await k
        .selectFrom('llm_routing_rules')
        .select((eb) => eb.fn.max<number>('position').as('p'))
        .where('workspace_id', '=', workspaceId)
        .executeTakeFirst();
      return r?.p === null || r?.p === undefined ? -1 : Number(r.p);
    },
    delete: (workspaceId: string, id: string) =>
      k.deleteFrom('llm_routing_rules').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst(),
  };
}
export type RoutingStore = ReturnType<typeof createRoutingStore>;
