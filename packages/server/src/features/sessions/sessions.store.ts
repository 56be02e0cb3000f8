import { setImmediate as immediate } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import { normalizeSource } from '@autopilot/contracts';
import type { Database, Db } from '../../platform/db';
import { createLeases } from '../../platform/db/leases';
import type { JulesActivitiesTable, JulesSessionsTable } from '../../platform/db/schema';

/** What the sync loop needs to diff one account's sessions against a fresh list, without loading raw JSON. */
export type SessionIndexRow = Pick<
  JulesSessionsTable,
  'id' | 'jules_id' | 'state' | 'update_time' | 'archived' | 'deleted_at' | 'activities_synced_update_time' | 'activity_count'
>;

/** The columns a list row needs: never the raw wire JSON or outputs, which dwarf the rest at 100,000 sessions. */
export const SUMMARY_COLUMNS = [
  'id', 'jules_id', 'account_id', 'title', 'prompt', 'state', 'source', 'starting_branch', 'pr_url', 'url', 'archived',
  'deleted_at', 'create_time', 'update_time', 'last_activity_at', 'activity_count',
] as const;
export type SessionSummaryRow = Pick<JulesSessionsTable, (typeof SUMMARY_COLUMNS)[number]>;

export interface SessionFilters {
  states?: string[];
  source?: string;
  text?: string;
  archived: 'true' | 'false' | 'all';
  includeDeleted: boolean;
  accountId?: string;
}

export type SessionUpdate = Partial<Omit<JulesSessionsTable, 'id' | 'workspace_id' | 'account_id' | 'jules_id'>>;
const INDEX_PAGE = 2000;

const likeEscape = (s: string) => s.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`);

async function insertActivities(k: Kysely<Database>, rows: JulesActivitiesTable[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) {
    await k
      .insertInto('jules_activities')
      .values(rows.slice(i, i + 200))
      .onConflict((oc) => oc.columns(['session_id', 'activity_id']).doNothing())
      .execute();
  }
}

const countActivities = async (k: Kysely<Database>, sessionId: string) =>
  Number((await k.selectFrom('jules_activities').select((eb) => eb.fn.countAll<number>().as('n')).where('session_id', '=', sessionId).executeTakeFirstOrThrow()).n);

/** Queries for mirrored sessions and activities; every read takes the workspace. */
export function createSessionsStore(db: Db) {
  const k = db.kysely;
  return {
    /**
     * One account's sessions, keyed by Jules id. Read in pages of 2,000 with an event-loop turn between them: on
     * SQLite one query over 10,000 rows held every HTTP request for ~80 ms.
     */
    async index(accountId: string): Promise<Map<string, SessionIndexRow>> {
      const out = new Map<string, SessionIndexRow>();
      for (let after = ''; ; ) {
        const rows = await k
          .selectFrom('jules_sessions')
          .select(['id', 'jules_id', 'state', 'update_time', 'archived', 'deleted_at', 'activities_synced_update_time', 'activity_count'])
          .where('account_id', '=', accountId)
          .where('id', '>', after)
          .orderBy('id')
          .limit(INDEX_PAGE)
          .execute();
        for (const r of rows) out.set(r.jules_id, r);
        if (rows.length < INDEX_PAGE) return out;
        after = rows[rows.length - 1].id;
        await immediate();
      }
    },

    insert: (row: JulesSessionsTable) => k.insertInto('jules_sessions').values(row).execute(),
    /**
     * One list page's changes in one transaction instead of one per session: new rows in multi-row inserts, ignored
     * when the (account, Jules id) is already held, then the updates. A relaxed commit (no fsync wait): a mirror row
     * lost to a power cut is fetched again. Returns the Jules ids inserted; the others were inserted meanwhile.
     */
    writePage: (inserts: JulesSessionsTable[], updates: Array<{ id: string; fields: SessionUpdate }>) =>
      db.relaxedTransaction(async (trx) => {
        const inserted = new Set<string>();
        for (let i = 0; i < inserts.length; i += 100) {
          const rows = await trx
            .insertInto('jules_sessions')
            .values(inserts.slice(i, i + 100))
            .onConflict((oc) => oc.columns(['account_id', 'jules_id']).doNothing())
            .returning('jules_id')
            .execute();
          for (const r of rows) inserted.add(r.jules_id);
        }
        for (const u of updates) await trx.updateTable('jules_sessions').set(u.fields).where('id', '=', u.id).execute();
        return inserted;
      }),
    update: (id: string, fields: SessionUpdate) =>
      k.updateTable('jules_sessions').set(fields).where('id', '=', id).execute(),

    get: (workspaceId: string, id: string) =>
      k.selectFrom('jules_sessions').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst(),
    /** By Jules id within a workspace (any of its accounts), so callers may use either id. */
    byJulesIdInWorkspace: (workspaceId: string, julesId: string) =>
      k.selectFrom('jules_sessions').selectAll().where('workspace_id', '=', workspaceId).where('jules_id', '=', julesId).orderBy('mirrored_at', 'desc').executeTakeFirst(),
    byJulesId: (accountId: string, julesId: string) =>
      k.selectFrom('jules_sessions').selectAll().where('account_id', '=', accountId).where('jules_id', '=', julesId).executeTakeFirst(),

    /** A page ordered by update_time desc, id desc; `after` is the last row of the previous page. */
    list(workspaceId: string, f: SessionFilters, limit: number, after?: { u: string; i: string }) {
      let q = k.selectFrom('jules_sessions').select(SUMMARY_COLUMNS).where('workspace_id', '=', workspaceId);
      if (f.states?.length) q = q.where('state', 'in', f.states);
      if (f.source) q = q.where('source', '=', normalizeSource(f.source));
      if (f.accountId) q = q.where('account_id', '=', f.accountId);
      if (f.archived !== 'all') q = q.where('archived', '=', f.archived === 'true' ? 1 : 0);
      if (!f.includeDeleted) q = q.where('deleted_at', 'is', null);
      if (f.text) {
        const p = `%${likeEscape(f.text)}%`;
        q = q.where(sql<boolean>`(lower(title) like ${p} escape '\\' or lower(prompt) like ${p} escape '\\')`);
      }
      if (after) q = q.where((eb) => eb.or([eb('update_time', '<', after.u), eb.and([eb('update_time', '=', after.u), eb('id', '<', after.i)])]));
      return q.orderBy('update_time', 'desc').orderBy('id', 'desc').limit(limit).execute();
    },

    /** A page (by id) of the narrow change signatures of a workspace's live sessions, for loops that scan them all. */
    signatures: (workspaceId: string, afterId: string, limit: number) =>
      k
        .selectFrom('jules_sessions')
        .select(['id', 'state', 'update_time', 'archived', 'activity_count', 'deleted_at'])
        .where('workspace_id', '=', workspaceId)
        .where('deleted_at', 'is', null)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit)
        .execute(),
    /** Sessions on a GitHub source updated at or after `since` (sortable time) that name a PR or a working branch (the GitHub loop links PRs to them). */
    githubLinks: (workspaceId: string, since: string, limit: number) =>
      k
        .selectFrom('jules_sessions')
        .select(['id', 'source', 'working_branch', 'pr_url', 'update_time'])
        .where('workspace_id', '=', workspaceId)
        .where('deleted_at', 'is', null)
        .where('update_time', '>=', since)
        .where('source', 'like', 'sources/github/%')
        .where((eb) => eb.or([eb('pr_url', 'is not', null), eb('working_branch', 'is not', null)]))
        .orderBy('update_time', 'desc')
        .limit(limit)
        .execute(),
    /** List rows of the given sessions (any order). */
    summariesByIds: (workspaceId: string, ids: string[]) =>
      ids.length ? k.selectFrom('jules_sessions').select(SUMMARY_COLUMNS).where('workspace_id', '=', workspaceId).where('id', 'in', ids).execute() : Promise.resolve([]),

    /** Adds activities; ones already held (same session and id) are ignored, so a repeated sync is harmless. */
    insertActivities: (rows: JulesActivitiesTable[]) => insertActivities(k, rows),

    /**
     * Appends a session's fetched activities (positions continue from the count held) and marks it synced, in one
     * relaxed transaction (see writePage). Counted again after the insert rather than added: another instance may
     * have inserted some of the same rows (ignored here). Returns the rows offered and the new count.
     */
    appendActivities: (sessionId: string, build: (count: number) => JulesActivitiesTable[], synced: { last: string | null; updateTime: string }) =>
      db.relaxedTransaction(async (trx) => {
        const count = await countActivities(trx, sessionId);
        const rows = build(count);
        await insertActivities(trx, rows);
        const total = rows.length ? await countActivities(trx, sessionId) : count;
        const last = rows.at(-1)?.create_time ?? synced.last;
        await trx.updateTable('jules_sessions').set({ activity_count: total, last_activity_at: last, activities_synced_update_time: synced.updateTime }).where('id', '=', sessionId).execute();
        return { rows, total };
      }),

    /** The newest activity time held for a session and the ids at exactly that time (for tie-safe dedupe). */
    async newest(sessionId: string): Promise<{ createTime: string; ids: string[] } | undefined> {
      const top = await k.selectFrom('jules_activities').select((eb) => eb.fn.max('create_time').as('t')).where('session_id', '=', sessionId).executeTakeFirst();
      if (!top?.t) return undefined;
      const ids = await k.selectFrom('jules_activities').select('activity_id').where('session_id', '=', sessionId).where('create_time', '=', top.t).execute();
      return { createTime: top.t, ids: ids.map((r) => r.activity_id) };
    },

    /** A page of a session's activities, oldest first, after position `after`. */
    activities: (workspaceId: string, sessionId: string, limit: number, after = -1) =>
      k
        .selectFrom('jules_activities')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('session_id', '=', sessionId)
        .where('position', '>', after)
        .orderBy('position')
        .limit(limit)
        .execute(),

    /** The newest activity of a session (optionally of the given kinds). */
    lastActivity: (workspaceId: string, sessionId: string, kinds?: string[]) => {
      let q = k.selectFrom('jules_activities').selectAll().where('workspace_id', '=', workspaceId).where('session_id', '=', sessionId);
      if (kinds?.length) q = q.where('kind', 'in', kinds);
      return q.orderBy('position', 'desc').limit(1).executeTakeFirst();
    },

    countActivities: (sessionId: string) => countActivities(k, sessionId),

    /** Leases (platform/db/leases.ts): one instance runs each loop. */
    ...createLeases(db),
  };
}
export type SessionsStore = ReturnType<typeof createSessionsStore>;
