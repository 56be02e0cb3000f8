import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { COLUMN_OF_STATE, DEFAULT_COLUMN, normalizeSource } from '@autopilot/contracts';
import type { Db } from '../../platform/db';
import type { Database } from '../../platform/db/schema';
import { SUMMARY_COLUMNS, type SessionFilters } from './sessions.store';

/**
 * The board column of a row as SQL, built from the contracts' table so server and dashboard share one rule. It must
 * read exactly like the expression of index jules_sessions_board (migration 2026120160): constants only, no input.
 */
export const COLUMN_SQL = `case state ${Object.entries(COLUMN_OF_STATE)
  .map(([state, col]) => `when '${state}' then '${col}'`)
  .join(' ')} else '${DEFAULT_COLUMN}' end`;
const columnExpr = sql<string>`(${sql.raw(COLUMN_SQL)})`;

const likeEscape = (s: string) => s.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`);

type Eb = ExpressionBuilder<Database, 'jules_sessions'>;

/** The list's filters as one WHERE expression (the same ones for pages and counts). */
function filtersOf(eb: Eb, workspaceId: string, f: SessionFilters): Expression<SqlBool> {
  const and: Expression<SqlBool>[] = [eb('workspace_id', '=', workspaceId)];
  if (f.archived !== 'all') and.push(eb('archived', '=', f.archived === 'true' ? 1 : 0));
  if (!f.includeDeleted) and.push(eb('deleted_at', 'is', null));
  if (f.states?.length) and.push(eb('state', 'in', f.states));
  if (f.source) and.push(eb('source', '=', normalizeSource(f.source)));
  if (f.accountId) and.push(eb('account_id', '=', f.accountId));
  if (f.text) {
    const p = `%${likeEscape(f.text)}%`;
    and.push(sql<SqlBool>`(lower(title) like ${p} escape '\\' or lower(prompt) like ${p} escape '\\')`);
  }
  return eb.and(and);
}

/** Which rows of a column page: a base column (from the state), optionally only or never the given ids. */
export interface ColumnSlice {
  column?: string;
  onlyIds?: readonly string[];
  exceptIds?: readonly string[];
}

function sliceOf(eb: Eb, s: ColumnSlice): Expression<SqlBool> {
  const and: Expression<SqlBool>[] = [];
  if (s.column) and.push(eb(columnExpr, '=', s.column));
  if (s.onlyIds) and.push(s.onlyIds.length ? eb('id', 'in', [...s.onlyIds]) : sql<SqlBool>`1 = 0`);
  if (s.exceptIds?.length) and.push(eb('id', 'not in', [...s.exceptIds]));
  return eb.and(and);
}

/** The board's read queries: column pages (keyset on update_time, id), per-column counts, stuck marks, sources. */
export function createBoardStore(db: Db) {
  const k = db.kysely;
  return {
    /** A page newest update first; `after` is the (stored update_time, id) of the previous page's last row. */
    page(workspaceId: string, f: SessionFilters, slice: ColumnSlice, limit: number, after?: { u: string; i: string }) {
      let q = k
        .selectFrom('jules_sessions')
        .select(SUMMARY_COLUMNS)
        .where((eb) => eb.and([filtersOf(eb, workspaceId, f), sliceOf(eb, slice)]));
      if (after) q = q.where((eb) => eb.or([eb('update_time', '<', after.u), eb.and([eb('update_time', '=', after.u), eb('id', '<', after.i)])]));
      return q.orderBy('update_time', 'desc').orderBy('id', 'desc').limit(limit);
    },

    /** Matching sessions per base column (stuck ones still counted under their state's column). */
    counts(workspaceId: string, f: SessionFilters) {
      return k
        .selectFrom('jules_sessions')
        .select([columnExpr.as('col'), (eb) => eb.fn.countAll<number | string>().as('n')])
        .where((eb) => filtersOf(eb, workspaceId, f))
        .groupBy(columnExpr);
    },

    /** How many of the given sessions match the filters. */
    async countIds(workspaceId: string, f: SessionFilters, ids: readonly string[]): Promise<number> {
      if (!ids.length) return 0;
      const r = await k
        .selectFrom('jules_sessions')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where((eb) => eb.and([filtersOf(eb, workspaceId, f), eb('id', 'in', [...ids])]))
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },

    /**
     * The newest stuck mark (ms) of each marked session. Read by table rather than through the keeper feature,
     * which depends on this one; the ledger holds few stuck rows, so this stays small at any session count.
     */
    async stuckMarks(workspaceId: string): Promise<Map<string, number>> {
      const rows = await k
        .selectFrom('keeper_actions')
        .select(['session_id', (eb) => eb.fn.max('created_at').as('at')])
        .where('workspace_id', '=', workspaceId)
        .where('kind', '=', 'stuck')
        .groupBy('session_id')
        .execute();
      return new Map(rows.map((r) => [r.session_id, Number(r.at)]));
    },

    /** The stuck rule's inputs for the given sessions. */
    stuckInputs: (workspaceId: string, ids: readonly string[]) =>
      ids.length
        ? k.selectFrom('jules_sessions').select(['id', 'state', 'last_activity_at']).where('workspace_id', '=', workspaceId).where('id', 'in', [...ids]).execute()
        : Promise.resolve([]),

    /** Every source of the workspace's live sessions, sorted. */
    async sources(workspaceId: string): Promise<string[]> {
      const rows = await k
        .selectFrom('jules_sessions')
        .select('source')
        .where('workspace_id', '=', workspaceId)
        .where('source', 'is not', null)
        .groupBy('source')
        .execute();
      return rows.map((r) => r.source!).sort();
    },
  };
}
export type BoardStore = ReturnType<typeof createBoardStore>;
