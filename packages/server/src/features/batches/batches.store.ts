import type { Db } from '../../platform/db';
import type { BatchesTable, BatchItemsTable } from '../../platform/db/schema';

/** A page key: the newest first, by (created_at, id). */
export interface BatchKey {
  c: string;
  i: string;
}

/** Batches and their items; every query takes the workspace id. */
export function createBatchesStore(db: Db) {
  const k = db.kysely;
  return {
    /** Inserts the batch row; a taken idempotency key is the unique index's violation (isUniqueViolation). */
    insert: (row: BatchesTable) => k.insertInto('batches').values(row).execute(),
    /** Stores the items (one transaction: all of them or none). */
    insertItems: (rows: BatchItemsTable[]) =>
      k.transaction().execute(async (tx) => {
        // Chunks keep each statement under SQLite's bound-parameter limit (6 columns x 100 rows).
        for (let i = 0; i < rows.length; i += 100) await tx.insertInto('batch_items').values(rows.slice(i, i + 100)).execute();
      }),
    /** Removes a batch that could not be submitted (its items too), so nothing of it remains. */
    remove: (workspaceId: string, id: string) =>
      k.transaction().execute(async (tx) => {
        await tx.deleteFrom('batch_items').where('workspace_id', '=', workspaceId).where('batch_id', '=', id).execute();
        await tx.deleteFrom('batches').where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
      }),
    get: (workspaceId: string, id: string) => k.selectFrom('batches').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst(),
    byKey: (workspaceId: string, key: string) =>
      k.selectFrom('batches').selectAll().where('workspace_id', '=', workspaceId).where('idempotency_key', '=', key).executeTakeFirst(),
    items: (workspaceId: string, batchId: string) =>
      k.selectFrom('batch_items').selectAll().where('workspace_id', '=', workspaceId).where('batch_id', '=', batchId).orderBy('idx').execute(),
    /** A page, newest first (keyset on created_at, id). */
    list(workspaceId: string, limit: number, after?: BatchKey) {
      let q = k.selectFrom('batches').selectAll().where('workspace_id', '=', workspaceId);
      if (after) q = q.where((eb) => eb.or([eb('created_at', '<', after.c), eb.and([eb('created_at', '=', after.c), eb('id', '<', after.i)])]));
      return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    },
    /** Marks the batch cancelled (the first time only); true when this call did. */
    async cancel(workspaceId: string, id: string, at: string): Promise<boolean> {
      const r = await k.updateTable('batches').set({ cancelled_at: at, updated_at: at }).where('workspace_id', '=', workspaceId).where('id', '=', id).where('cancelled_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    touch: (workspaceId: string, id: string, at: string) => k.updateTable('batches').set({ updated_at: at }).where('workspace_id', '=', workspaceId).where('id', '=', id).execute(),
  };
}
export type BatchesStore = ReturnType<typeof createBatchesStore>;
