import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { NoticeQuery } from '@autopilot/contracts';
import type { Db } from '../../platform/db';
import type { Database, NoticesTable } from '../../platform/db/schema';

export type NoticeRow = NoticesTable;
export type NoticeFilter = Partial<Omit<NoticeQuery, 'limit' | 'cursor'>>;
type Eb = ExpressionBuilder<Database, 'notices'>;

/** The row conditions of a view at `now` (epoch ms): see NoticeQuery.view in contracts/inbox.ts. */
function viewWhere(eb: Eb, view: NoticeQuery['view'], now: number) {
  const notSnoozed = eb.or([eb('snoozed_until', 'is', null), eb('snoozed_until', '<=', now)]);
  const live = [eb('dismissed_at', 'is', null), eb('resolved_at', 'is', null)];
  switch (view) {
    case 'all':
      return eb.and([]);
    case 'dismissed':
      return eb('dismissed_at', 'is not', null);
    case 'snoozed':
      return eb.and([...live, eb('snoozed_until', '>', now)]);
    case 'unread':
      return eb.and([...live, notSnoozed, eb('read_at', 'is', null)]);
    default:
      return eb.and([...live, notSnoozed]);
  }
}

function filterWhere(eb: Eb, f: NoticeFilter, now: number) {
  const parts = [viewWhere(eb, f.view ?? 'inbox', now)];
  if (f.severity) parts.push(eb('severity', '=', f.severity));
  if (f.source) parts.push(eb('source', '=', f.source));
  if (f.kind) parts.push(eb('kind', '=', f.kind));
  if (f.sessionId) parts.push(eb('session_id', '=', f.sessionId));
  if (f.repo) parts.push(eb('repo', '=', f.repo));
  return eb.and(parts);
}

/** Queries of the notification center; every one takes the workspace. */
export function createInboxStore(db: Db) {
  const k: Kysely<Database> = db.kysely;
  const byId = (workspaceId: string, id: string) => k.selectFrom('notices').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id);
  return {
    get: (workspaceId: string, id: string) => byId(workspaceId, id).executeTakeFirst(),
    /** The entry that takes repeats of `key`, if one is open. */
    open: (workspaceId: string, key: string) => k.selectFrom('notices').selectAll().where('workspace_id', '=', workspaceId).where('open_group', '=', key).executeTakeFirst(),
    /** Inserts a new entry; false when its id or its open group is taken (a concurrent raise won). */
    async insert(row: NoticeRow): Promise<boolean> {
      const r = await k.insertInto('notices').values(row).onConflict((oc) => oc.doNothing()).executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    /** A repeat of an open entry: one more, latest text, unread again. */
    async repeat(workspaceId: string, id: string, d: Pick<NoticeRow, 'title' | 'body' | 'severity' | 'links' | 'last_at' | 'last_ms'>): Promise<void> {
      await k
        .updateTable('notices')
        .set({ ...d, count: sql<number>`count + 1`, read_at: null })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .execute();
    },
    /** Sets columns of the given entries that still match `unless` (so a change counts only where it changed something). */
    async set(workspaceId: string, ids: string[], set: Partial<NoticeRow>, unless?: (eb: Eb) => Expression<SqlBool>): Promise<string[]> {
      if (ids.length === 0) return [];
      const changed: string[] = [];
      for (let i = 0; i < ids.length; i += 200) {
        const chunk = ids.slice(i, i + 200);
        let q = k.updateTable('notices').set(set).where('workspace_id', '=', workspaceId).where('id', 'in', chunk);
        if (unless) q = q.where((eb) => unless(eb));
        const rows = await q.returning('id').execute();
        changed.push(...rows.map((r) => r.id));
      }
      return changed;
    },
    /** Entries of one page, latest first (keyset on last_ms, id). */
    page(workspaceId: string, f: NoticeFilter, limit: number, now: number, after?: { t: number; i: string }) {
      let q = k.selectFrom('notices').selectAll().where('workspace_id', '=', workspaceId).where((eb) => filterWhere(eb, f, now));
      if (after) q = q.where((eb) => eb.or([eb('last_ms', '<', after.t), eb.and([eb('last_ms', '=', after.t), eb('id', '<', after.i)])]));
      return q.orderBy('last_ms', 'desc').orderBy('id', 'desc').limit(limit).execute();
    },
    /** Ids (and refs) of every entry matching a filter. */
    matching: (workspaceId: string, f: NoticeFilter, now: number) =>
      k.selectFrom('notices').select(['id', 'source', 'ref']).where('workspace_id', '=', workspaceId).where((eb) => filterWhere(eb, f, now)).execute(),
    refsOf: (workspaceId: string, ids: string[]) =>
      ids.length ? k.selectFrom('notices').select(['id', 'source', 'ref']).where('workspace_id', '=', workspaceId).where('id', 'in', ids).execute() : Promise.resolve([]),
    /** Entries mirroring the source's rows `refs` (or every entry of that source). */
    byRefs(workspaceId: string, source: string, refs: string[] | 'all') {
      let q = k.selectFrom('notices').select(['id', 'group_key', 'open_group', 'read_at', 'dismissed_at', 'resolved_at']).where('workspace_id', '=', workspaceId).where('source', '=', source).where('ref', 'is not', null);
      if (refs !== 'all') {
        if (refs.length === 0) return Promise.resolve([]);
        q = q.where('ref', 'in', refs);
      }
      return q.execute();
    },
    /** Unread entries per severity (the unread view). */
    async unreadBySeverity(workspaceId: string, now: number): Promise<Record<string, number>> {
      const rows = await k
        .selectFrom('notices')
        .select(['severity', (eb) => eb.fn.countAll<number>().as('n')])
        .where('workspace_id', '=', workspaceId)
        .where((eb) => viewWhere(eb, 'unread', now))
        .groupBy('severity')
        .execute();
      return Object.fromEntries(rows.map((r) => [r.severity, Number(r.n)]));
    },
    /** Snoozes that are due, over every workspace (the wake loop). */
    dueSnoozes: (now: number, limit = 500) =>
      k.selectFrom('notices').select(['id', 'workspace_id', 'snoozed_until', 'dismissed_at', 'resolved_at']).where('snoozed_until', 'is not', null).where('snoozed_until', '<=', now).limit(limit).execute(),
    /** Drops a due snooze of an entry that is no longer open (dismissed or resolved): nothing to wake, read mark kept. */
    async dropSnooze(workspaceId: string, id: string, until: number): Promise<void> {
      await k.updateTable('notices').set({ snoozed_until: null }).where('workspace_id', '=', workspaceId).where('id', '=', id).where('snoozed_until', '=', until).execute();
    },
    /** Wakes one snooze unless someone else did (or it was re-snoozed) meanwhile. */
    async wake(workspaceId: string, id: string, until: number): Promise<boolean> {
      const r = await k.updateTable('notices').set({ snoozed_until: null, read_at: null }).where('workspace_id', '=', workspaceId).where('id', '=', id).where('snoozed_until', '=', until).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    /** Claims one bus event for one consumer: true for the single instance that inserted the receipt. */
    async claim(consumer: string, eventId: string, at: number): Promise<boolean> {
      const r = await k.insertInto('event_receipts').values({ consumer, event_id: eventId, at }).onConflict((oc) => oc.columns(['consumer', 'event_id']).doNothing()).executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    },
  };
}
export type InboxStore = ReturnType<typeof createInboxStore>;
