import type { Db } from '../../platform/db';
import { createLeases } from '../../platform/db/leases';
import { isUniqueViolation } from '../../platform/db';
import type { KeeperActionsTable, KeeperLinksTable, KeeperNotificationsTable } from '../../platform/db/schema';

export type ActionRow = KeeperActionsTable;

export interface LogFilter {
  sessionId?: string;
  kind?: string;
  status?: string;
  fromMs?: number;
  toMs?: number;
}

/** Queries of the keeper: settings, the action ledger, per-session state, notifications, leases. */
export function createKeeperStore(db: Db) {
  const k = db.kysely;
  return {
    async getSettings(workspaceId: string): Promise<string | undefined> {
      const r = await k.selectFrom('keeper_settings').select('settings').where('workspace_id', '=', workspaceId).executeTakeFirst();
      return r?.settings;
    },
    putSettings: (workspaceId: string, settings: string, at: string) =>
      k
        .insertInto('keeper_settings')
        .values({ workspace_id: workspaceId, settings, updated_at: at })
        .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ settings, updated_at: at }))
        .execute(),

    /**
     * Claims (session, kind, trigger) by inserting a row; returns the claimed row's id, or null when the key is
     * taken. A failed row may be re-claimed by one caller only: the conditional update flips it to pending atomically.
     */
    async claim(row: ActionRow): Promise<string | null> {
      try {
        await k.insertInto('keeper_actions').values(row).execute();
        return row.id;
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
      const r = await k
        .updateTable('keeper_actions')
        .set((eb) => ({ status: 'pending', attempts: eb('attempts', '+', 1), error: null, settled_at: null, holder: row.holder, created_at: row.created_at, reason: row.reason, message: row.message }))
        .where('session_id', '=', row.session_id)
        .where('kind', '=', row.kind)
        .where('trigger', '=', row.trigger)
        .where('status', '=', 'failed')
        .where('attempts', '=', row.attempts - 1)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return null;
      // The retried row keeps its id: settle and store the message under that one.
      return (await k.selectFrom('keeper_actions').select('id').where('session_id', '=', row.session_id).where('kind', '=', row.kind).where('trigger', '=', row.trigger).executeTakeFirst())?.id ?? null;
    },
    setMessage: (id: string, message: string) => k.updateTable('keeper_actions').set({ message }).where('id', '=', id).where('status', '=', 'pending').execute(),
    /** Settles a pending row; a row no longer pending (reconciled meanwhile) is left alone. */
    async settle(id: string, status: string, at: number, error: string | null = null): Promise<boolean> {
      const r = await k.updateTable('keeper_actions').set({ status, settled_at: at, error }).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    find: (sessionId: string, kind: string, trigger: string) =>
      k.selectFrom('keeper_actions').selectAll().where('session_id', '=', sessionId).where('kind', '=', kind).where('trigger', '=', trigger).executeTakeFirst(),

    /** Every ledger row of these sessions (what the decision reads as history). */
    async history(workspaceId: string, sessionIds: string[]): Promise<ActionRow[]> {
      const out: ActionRow[] = [];
      for (let i = 0; i < sessionIds.length; i += 500) {
        const ids = sessionIds.slice(i, i + 500);
        out.push(...(await k.selectFrom('keeper_actions').selectAll().where('workspace_id', '=', workspaceId).where('session_id', 'in', ids).execute()));
      }
      return out;
    },
    pending: (workspaceId: string) => k.selectFrom('keeper_actions').selectAll().where('workspace_id', '=', workspaceId).where('status', '=', 'pending').execute(),

    /** A page newest first; `after` is the (created_at, id) of the previous page's last row. */
    log(workspaceId: string, f: LogFilter, limit: number, after?: { t: number; i: string }) {
      let q = k.selectFrom('keeper_actions').selectAll().where('workspace_id', '=', workspaceId);
      if (f.sessionId) q = q.where('session_id', '=', f.sessionId);
      if (f.kind) q = q.where('kind', '=', f.kind);
      if (f.status) q = q.where('status', '=', f.status);
      if (f.fromMs !== undefined) q = q.where('created_at', '>=', f.fromMs);
      if (f.toMs !== undefined) q = q.where('created_at', '<', f.toMs);
      if (after) q = q.where((eb) => eb.or([eb('created_at', '<', after.t), eb.and([eb('created_at', '=', after.t), eb('id', '<', after.i)])]));
      return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    },

    async pausedIds(workspaceId: string): Promise<Set<string>> {
      const rows = await k.selectFrom('keeper_session_state').select('session_id').where('workspace_id', '=', workspaceId).where('paused', '=', 1).execute();
      return new Set(rows.map((r) => r.session_id));
    },
    async isPaused(workspaceId: string, sessionId: string): Promise<boolean> {
      const row = await k.selectFrom('keeper_session_state').select('paused').where('workspace_id', '=', workspaceId).where('session_id', '=', sessionId).executeTakeFirst();
      return row?.paused === 1;
    },
    setPaused: (workspaceId: string, sessionId: string, paused: boolean, at: number) =>
      k
        .insertInto('keeper_session_state')
        .values({ session_id: sessionId, workspace_id: workspaceId, paused: paused ? 1 : 0, updated_at: at, last_decision: null, last_reason: null, last_decided_at: null })
        .onConflict((oc) => oc.column('session_id').doUpdateSet({ paused: paused ? 1 : 0, updated_at: at }))
        .execute(),
    /**
     * Many decisions in one relaxed transaction (multi-row upserts of 500): a decision is explainability, which the
     * next tick writes again if a crash loses it, so it need not wait for the disk. One write per session with
     * FULL sync was the largest cost of a large first import (76,000 commits for 100,000 sessions).
     */
    async recordDecisions(workspaceId: string, rows: ReadonlyArray<{ sessionId: string; decision: string; reason: string; at: number }>): Promise<void> {
      if (rows.length === 0) return;
      await db.relaxedTransaction(async (trx) => {
        for (let i = 0; i < rows.length; i += 500) {
          await trx
            .insertInto('keeper_session_state')
            .values(rows.slice(i, i + 500).map((r) => ({ session_id: r.sessionId, workspace_id: workspaceId, paused: 0, updated_at: r.at, last_decision: r.decision, last_reason: r.reason, last_decided_at: r.at })))
            .onConflict((oc) =>
              oc.column('session_id').doUpdateSet((eb) => ({
                last_decision: eb.ref('excluded.last_decision'),
                last_reason: eb.ref('excluded.last_reason'),
                last_decided_at: eb.ref('excluded.last_decided_at'),
              })),
            )
            .execute();
        }
      });
    },
    sessionState: (workspaceId: string, sessionId: string) =>
      k.selectFrom('keeper_session_state').selectAll().where('workspace_id', '=', workspaceId).where('session_id', '=', sessionId).executeTakeFirst(),

    addNotification: (row: KeeperNotificationsTable) => k.insertInto('keeper_notifications').values(row).execute(),
    /** A page newest first: `open` = not dismissed, `unread` = not read, dismissed or resolved. */
    notifications(workspaceId: string, limit: number, after?: { t: number; i: string }, f: { status?: 'open' | 'unread' | 'all'; sessionId?: string } = {}) {
      let q = k.selectFrom('keeper_notifications').selectAll().where('workspace_id', '=', workspaceId);
      if (f.sessionId) q = q.where('session_id', '=', f.sessionId);
      if (f.status === 'open' || f.status === 'unread') q = q.where('dismissed_at', 'is', null);
      if (f.status === 'unread') q = q.where('read_at', 'is', null).where('resolved_at', 'is', null);
      if (after) q = q.where((eb) => eb.or([eb('created_at', '<', after.t), eb.and([eb('created_at', '=', after.t), eb('id', '<', after.i)])]));
      return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    },
    notification: (workspaceId: string, id: string) => k.selectFrom('keeper_notifications').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst(),
    async unreadCount(workspaceId: string): Promise<number> {
      const r = await k
        .selectFrom('keeper_notifications')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('workspace_id', '=', workspaceId)
        .where('resolved_at', 'is', null)
        .where('dismissed_at', 'is', null)
        .where('read_at', 'is', null)
        .executeTakeFirst();
      return Number(r?.n ?? 0);
    },
    /** Sets read/dismissed of one notification; returns whether it exists in this workspace. */
    async setNotification(workspaceId: string, id: string, patch: { read?: boolean; dismissed?: boolean }, at: number): Promise<boolean> {
      const set: { read_at?: number | null; dismissed_at?: number | null } = {};
      if (patch.read !== undefined) set.read_at = patch.read ? at : null;
      if (patch.dismissed !== undefined) set.dismissed_at = patch.dismissed ? at : null;
      const r = await k.updateTable('keeper_notifications').set(set).where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /** Marks every unread notification read (or dismisses every one not dismissed); returns how many changed. */
    async setAllNotifications(workspaceId: string, what: 'read' | 'dismissed', at: number): Promise<number> {
      const col = what === 'read' ? 'read_at' : 'dismissed_at';
      const r = await k.updateTable('keeper_notifications').set({ [col]: at }).where('workspace_id', '=', workspaceId).where(col, 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
    /** Not resolved and not dismissed: the ones whose cause a tick checks (partial index keeper_notifications_open). */
    openNotifications(workspaceId: string, sessionId?: string) {
      let q = k
        .selectFrom('keeper_notifications')
        .select(['id', 'session_id', 'kind', 'created_at', 'cause_state', 'cause_activities'])
        .where('workspace_id', '=', workspaceId)
        .where('resolved_at', 'is', null)
        .where('dismissed_at', 'is', null);
      if (sessionId) q = q.where('session_id', '=', sessionId);
      return q.execute();
    },
    /** Resolves one notification unless it was resolved meanwhile; returns whether this call resolved it. */
    async resolveNotification(workspaceId: string, id: string, reason: string, at: number): Promise<boolean> {
      const r = await k
        .updateTable('keeper_notifications')
        .set({ resolved_at: at, resolved_reason: reason.slice(0, 500) })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .where('resolved_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /** A session's notifications, newest first (also for a session that is gone). */
    sessionNotifications: (workspaceId: string, sessionId: string, limit: number) =>
      k.selectFrom('keeper_notifications').selectAll().where('workspace_id', '=', workspaceId).where('session_id', '=', sessionId).orderBy('created_at', 'desc').limit(limit).execute(),

    /** Links a failed session to the session a recover action created (once per action: a repeat is ignored). */
    addLink: (row: KeeperLinksTable) => k.insertInto('keeper_links').values(row).onConflict((oc) => oc.column('action_id').doNothing()).execute(),
    /** Links from or to a session, oldest first. */
    links: (workspaceId: string, sessionId: string) =>
      k
        .selectFrom('keeper_links')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where((eb) => eb.or([eb('from_session_id', '=', sessionId), eb('to_session_id', '=', sessionId)]))
        .orderBy('created_at')
        .execute(),

    /** Leases (platform/db/leases.ts): one instance runs each loop. */
    ...createLeases(db),
  };
}
export type KeeperStore = ReturnType<typeof createKeeperStore>;
