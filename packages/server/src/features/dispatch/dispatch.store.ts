import type { Transaction } from 'kysely';
import type { Db } from '../../platform/db';
import { createLeases } from '../../platform/db/leases';
import type { Database, DispatchIntentsTable, DispatchLimitsTable } from '../../platform/db/schema';

export type IntentRow = DispatchIntentsTable;
export type IntentUpdate = Partial<Omit<IntentRow, 'id' | 'workspace_id' | 'account_id' | 'seq' | 'created_at'>>;
export const OPEN_STATES = ['queued', 'dispatching'] as const;

/** Storage of intents and account limits; every read a person can trigger takes the workspace id. */
export function createDispatchStore(db: Db) {
  const k = db.kysely;
  return {
    ...createLeases(db),
    dialect: db.dialect,

    /** Inserts every row in one transaction (all or none). */
    insertMany: (rows: IntentRow[]) =>
      k.transaction().execute(async (trx: Transaction<Database>) => {
        for (let i = 0; i < rows.length; i += 200) await trx.insertInto('dispatch_intents').values(rows.slice(i, i + 200)).execute();
      }),
    byKey: (workspaceId: string, key: string) =>
      k.selectFrom('dispatch_intents').selectAll().where('workspace_id', '=', workspaceId).where('idempotency_key', '=', key).executeTakeFirst(),
    byKeys: (workspaceId: string, keys: string[]) =>
      keys.length === 0
        ? Promise.resolve([] as IntentRow[])
        : k.selectFrom('dispatch_intents').selectAll().where('workspace_id', '=', workspaceId).where('idempotency_key', 'in', keys).execute(),
    get: (workspaceId: string, id: string) => k.selectFrom('dispatch_intents').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst(),
    getAny: (id: string) => k.selectFrom('dispatch_intents').selectAll().where('id', '=', id).executeTakeFirst(),
    byOrigin: (workspaceId: string, kind: string, originId: string) =>
      k
        .selectFrom('dispatch_intents')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('origin_kind', '=', kind)
        .where('origin_id', '=', originId)
        .orderBy('seq')
        .orderBy('id')
        .execute(),
    /** Newest first, keyset on (seq, id). */
    page: (workspaceId: string, q: { state?: string; accountId?: string; origin?: string; limit: number; after?: { seq: number; id: string } }) => {
      let s = k.selectFrom('dispatch_intents').selectAll().where('workspace_id', '=', workspaceId);
      if (q.state) s = s.where('state', '=', q.state);
      if (q.accountId) s = s.where('account_id', '=', q.accountId);
      if (q.origin) s = s.where('origin_kind', '=', q.origin);
      const after = q.after;
      if (after) s = s.where((eb) => eb.or([eb('seq', '<', after.seq), eb.and([eb('seq', '=', after.seq), eb('id', '<', after.id)])]));
      return s.orderBy('seq', 'desc').orderBy('id', 'desc').limit(q.limit + 1).execute();
    },
    /** The account's open intents (queued and dispatching) in line order: priority, then submission. */
    line: (accountId: string) =>
      k
        .selectFrom('dispatch_intents')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('state', 'in', [...OPEN_STATES])
        .orderBy('priority')
        .orderBy('seq')
        .orderBy('id')
        .execute(),
    /** Accounts that have something queued (the pump's safety net looks at these). */
    accountsWithOpen: () => k.selectFrom('dispatch_intents').select(['account_id', 'workspace_id']).distinct().where('state', 'in', [...OPEN_STATES]).execute(),
    countOpen: (workspaceId: string, accountId: string) =>
      k
        .selectFrom('dispatch_intents')
        .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
        .where('workspace_id', '=', workspaceId)
        .where('account_id', '=', accountId)
        .where('state', 'in', [...OPEN_STATES])
        .groupBy('state')
        .execute(),
    /** Jules ids already linked to an intent of the account (a reconcile must not take another intent's session). */
    linkedJulesIds: async (accountId: string, julesIds: string[]) =>
      julesIds.length === 0
        ? new Set<string>()
        : new Set(
            (await k.selectFrom('dispatch_intents').select('jules_id').where('account_id', '=', accountId).where('jules_id', 'in', julesIds).execute()).map((r) => r.jules_id as string),
          ),
    update: (id: string, fields: IntentUpdate) => k.updateTable('dispatch_intents').set(fields).where('id', '=', id).execute(),
    /** A conditional move: only when the row is still in one of `from` (and, with `claim`, still claimed by it). */
    async transition(id: string, from: readonly string[], fields: IntentUpdate, claim?: string): Promise<boolean> {
      let q = k.updateTable('dispatch_intents').set(fields).where('id', '=', id).where('state', 'in', [...from]);
      if (claim !== undefined) q = q.where('claim', '=', claim);
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    /** Moves every intent of an origin in `from` to `fields`; answers the ids moved. */
    async transitionOrigin(workspaceId: string, kind: string, originId: string, from: readonly string[], fields: IntentUpdate): Promise<string[]> {
      const rows = await k
        .selectFrom('dispatch_intents')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .where('origin_kind', '=', kind)
        .where('origin_id', '=', originId)
        .where('state', 'in', [...from])
        .execute();
      const moved: string[] = [];
      for (const r of rows) {
        const res = await k.updateTable('dispatch_intents').set(fields).where('id', '=', r.id).where('state', 'in', [...from]).executeTakeFirst();
        if (Number(res.numUpdatedRows) > 0) moved.push(r.id);
      }
      return moved;
    },

    limits: (accountId: string) => k.selectFrom('dispatch_limits').selectAll().where('account_id', '=', accountId).executeTakeFirst(),
    async saveLimits(row: DispatchLimitsTable): Promise<void> {
      const { account_id: _id, ...rest } = row;
      await k
        .insertInto('dispatch_limits')
        .values(row)
        .onConflict((oc) => oc.column('account_id').doUpdateSet(rest))
        .execute();
    },
    async setRateLimited(accountId: string, workspaceId: string, untilMs: number, at: string): Promise<void> {
      await k
        .insertInto('dispatch_limits')
        .values({ account_id: accountId, workspace_id: workspaceId, plan: 'unknown', concurrent: null, daily: null, in_flight: 3, paused: 0, rate_limited_until: untilMs, updated_at: at })
        .onConflict((oc) => oc.column('account_id').doUpdateSet({ rate_limited_until: untilMs, updated_at: at }))
        .execute();
    },

  };
}
export type DispatchStore = ReturnType<typeof createDispatchStore>;
