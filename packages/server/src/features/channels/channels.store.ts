import { sql } from 'kysely';
import type { Db } from '../../platform/db';
import type { ChannelAttemptsTable, ChannelDeliveriesTable, ChannelsTable } from '../../platform/db/schema.events';

export type ChannelRow = ChannelsTable;
export type DeliveryRow = ChannelDeliveriesTable;
export type AttemptRow = ChannelAttemptsTable;

/** The SQL of the channels feature (both engines through Kysely). */
export function createChannelsStore(db: Db) {
  const k = db.kysely;
  return {
    insertChannel: (row: ChannelRow) => k.insertInto('channels').values(row).execute(),
    channel: (ws: string, id: string) => k.selectFrom('channels').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst(),
    channelById: (id: string) => k.selectFrom('channels').selectAll().where('id', '=', id).executeTakeFirst(),
    listChannels(ws: string, limit: number, after?: { createdAt: string; id: string }) {
      let q = k.selectFrom('channels').selectAll().where('workspace_id', '=', ws);
      if (after) q = q.where((eb) => eb.or([eb('created_at', '>', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)])]));
      return q.orderBy('created_at').orderBy('id').limit(limit).execute();
    },
    enabledChannels: (ws: string) => k.selectFrom('channels').selectAll().where('workspace_id', '=', ws).where('enabled', '=', 1).execute(),
    updateChannel: (ws: string, id: string, patch: Partial<ChannelRow>) => k.updateTable('channels').set(patch).where('workspace_id', '=', ws).where('id', '=', id).execute(),
    deleteChannel: (ws: string, id: string) => k.deleteFrom('channels').where('workspace_id', '=', ws).where('id', '=', id).execute(),
    async pendingCounts(ids: string[]): Promise<Map<string, number>> {
      if (!ids.length) return new Map();
      const rows = await k
        .selectFrom('channel_deliveries')
        .select(['channel_id', (eb) => eb.fn.countAll<number | string>().as('n')])
        .where('channel_id', 'in', ids)
        .where('status', '=', 'pending')
        .groupBy('channel_id')
        .execute();
      return new Map(rows.map((r) => [r.channel_id, Number(r.n)]));
    },

    /** True when this call created it; false when another instance (or an earlier call) did. */
    async insertDelivery(row: DeliveryRow): Promise<boolean> {
      const r = await k.insertInto('channel_deliveries').values(row).onConflict((oc) => oc.columns(['channel_id', 'event_id']).doNothing()).executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
    },
    delivery: (ws: string, id: string) => k.selectFrom('channel_deliveries').selectAll().where('workspace_id', '=', ws).where('id', '=', id).executeTakeFirst(),
    deliveryById: (id: string) => k.selectFrom('channel_deliveries').selectAll().where('id', '=', id).executeTakeFirst(),
    listDeliveries(ws: string, channelId: string, limit: number, status?: string, before?: { createdAt: string; id: string }) {
      let q = k.selectFrom('channel_deliveries').selectAll().where('workspace_id', '=', ws).where('channel_id', '=', channelId);
      if (status) q = q.where('status', '=', status);
      if (before) q = q.where((eb) => eb.or([eb('created_at', '<', before.createdAt), eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)])]));
      return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    },
    dueIds: (now: number, limit: number) =>
      k
        .selectFrom('channel_deliveries')
        .select('id')
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .where('lease_until', '<', now)
        .orderBy('next_attempt_at')
        .limit(limit)
        .execute(),
    /** The conditional UPDATE that makes one instance the attempter: true when this one got the lease. */
    async claim(id: string, now: number, until: number, by: string, opts: { manual?: boolean } = {}): Promise<boolean> {
      let q = k.updateTable('channel_deliveries').set({ lease_until: until, leased_by: by }).where('id', '=', id).where('lease_until', '<', now);
      q = opts.manual ? q.where('status', 'in', ['pending', 'failed']) : q.where('status', '=', 'pending').where('next_attempt_at', '<=', now);
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    finishDelivery: (id: string, by: string, patch: Partial<DeliveryRow>) =>
      k.updateTable('channel_deliveries').set({ ...patch, lease_until: 0, leased_by: null }).where('id', '=', id).where('leased_by', '=', by).executeTakeFirst(),
    insertAttempt: (row: AttemptRow) => k.insertInto('channel_attempts').values(row).execute(),
    attempts: (deliveryId: string) => k.selectFrom('channel_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('n').orderBy('at').execute(),
    /** Pending deliveries of a channel set to `status` (cancelled on delete, failed on disable); answers how many. */
    async closePending(channelId: string, status: 'failed' | 'cancelled', error: string): Promise<number> {
      const r = await k.updateTable('channel_deliveries').set({ status, next_attempt_at: null, last_error: error }).where('channel_id', '=', channelId).where('status', '=', 'pending').executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
    /** Counters after an attempt, in SQL so concurrent instances add up. */
    async recordSuccess(channelId: string, at: string) {
      await k.updateTable('channels').set({ consecutive_failures: 0, first_failure_at: null, delivered: sql`delivered + 1`, last_delivery_at: at, updated_at: at }).where('id', '=', channelId).execute();
    },
    async recordFailure(channelId: string, at: string) {
      await k.updateTable('channels').set({ consecutive_failures: sql`consecutive_failures + 1`, first_failure_at: sql`coalesce(first_failure_at, ${at})`, updated_at: at }).where('id', '=', channelId).execute();
    },
    async recordGaveUp(channelId: string, n = 1) {
      await k.updateTable('channels').set({ failed: sql`failed + ${n}` }).where('id', '=', channelId).execute();
    },
    /** Disables the channel unless it was already disabled; true when this call did it (one notification). */
    async disable(channelId: string, reason: string, at: string): Promise<boolean> {
      const r = await k.updateTable('channels').set({ enabled: 0, disabled_reason: reason, updated_at: at }).where('id', '=', channelId).where('enabled', '=', 1).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
  };
}
export type ChannelsStore = ReturnType<typeof createChannelsStore>;
