import { sql } from 'kysely';
import type { Db } from '../../platform/db';
import type { HookDeliveriesTable, HookEndpointsTable } from '../../platform/db/schema.events';

/** Rows of hook_endpoints and hook_deliveries; every read is workspace-scoped except the public receiver's. */
export function createHooksStore(db: Db) {
  const k = db.kysely;
  return {
    endpoint: (id: string) => k.selectFrom('hook_endpoints').selectAll().where('id', '=', id).executeTakeFirst(),
    endpointIn: (ws: string, id: string) => k.selectFrom('hook_endpoints').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst(),
    async listEndpoints(ws: string, limit: number, after?: { createdAt: string; id: string }) {
      let q = k.selectFrom('hook_endpoints').selectAll().where('workspace_id', '=', ws);
      if (after) q = q.where((eb) => eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]));
      return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    },
    insertEndpoint: (row: HookEndpointsTable) => k.insertInto('hook_endpoints').values(row).execute(),
    updateEndpoint: (ws: string, id: string, patch: Partial<HookEndpointsTable>) => k.updateTable('hook_endpoints').set(patch).where('workspace_id', '=', ws).where('id', '=', id).execute(),
    async removeEndpoint(ws: string, id: string): Promise<boolean> {
      return k.transaction().execute(async (tx) => {
        await tx.deleteFrom('hook_deliveries').where('workspace_id', '=', ws).where('endpoint_id', '=', id).execute();
        const r = await tx.deleteFrom('hook_endpoints').where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst();
        return Number(r.numDeletedRows) > 0;
      });
    },
    countRejected: (id: string) => k.updateTable('hook_endpoints').set({ rejected: sql`rejected + 1` }).where('id', '=', id).execute(),
    countAccepted: (id: string, at: string) => k.updateTable('hook_endpoints').set({ deliveries: sql`deliveries + 1`, last_delivery_at: at }).where('id', '=', id).execute(),

    /** Inserts a delivery; false when (endpoint, delivery id) is already there (a duplicate). */
    async insertDelivery(row: HookDeliveriesTable): Promise<boolean> {
      const r = await k.insertInto('hook_deliveries').values(row).onConflict((oc) => oc.columns(['endpoint_id', 'delivery_id']).doNothing()).executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
    },
    delivery: (ws: string, id: string) => k.selectFrom('hook_deliveries').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst(),
    deliveryById: (id: string) => k.selectFrom('hook_deliveries').selectAll().where('id', '=', id).executeTakeFirst(),
    async listDeliveries(ws: string, endpointId: string, limit: number, status?: string, after?: { receivedAt: string; id: string }) {
      let q = k.selectFrom('hook_deliveries').selectAll().where('workspace_id', '=', ws).where('endpoint_id', '=', endpointId);
      if (status) q = q.where('status', '=', status);
      if (after) q = q.where((eb) => eb.or([eb('received_at', '<', after.receivedAt), eb.and([eb('received_at', '=', after.receivedAt), eb('id', '<', after.id)])]));
      return q.orderBy('received_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    },
    countReplays: async (originalId: string) => Number((await k.selectFrom('hook_deliveries').select((eb) => eb.fn.countAll().as('n')).where('replay_of', '=', originalId).executeTakeFirst())?.n ?? 0),
    /** Claims a queued row whose lease is free (conditional update: one instance wins). */
    async claim(id: string, nowMs: number, ttlMs: number): Promise<boolean> {
      const r = await k.updateTable('hook_deliveries').set({ lease_until: nowMs + ttlMs }).where('id', '=', id).where('status', '=', 'queued').where('lease_until', '<=', nowMs).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    pendingIds: async (nowMs: number, limit: number) =>
      (await k.selectFrom('hook_deliveries').select('id').where('status', '=', 'queued').where('lease_until', '<=', nowMs).orderBy('received_at').limit(limit).execute()).map((r) => r.id),
    finish: (id: string, patch: Pick<HookDeliveriesTable, 'status' | 'matched' | 'results' | 'error' | 'processed_at'>) =>
      k.updateTable('hook_deliveries').set({ ...patch, lease_until: 0 }).where('id', '=', id).execute(),
  };
}
export type HooksStore = ReturnType<typeof createHooksStore>;
