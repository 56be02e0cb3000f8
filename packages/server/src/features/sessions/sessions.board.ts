import { BOARD_COLUMNS, isStuck, type BoardColumnId, type BoardCounts, type BoardCountsQuery, type ListSessionsQuery, type SessionPage } from '@autopilot/contracts';
import type { z } from '@hono/zod-openapi';
import type { SessionFilters } from './sessions.store';
import type { BoardStore, ColumnSlice } from './sessions.board.store';
import { displayTime, sessionCursor, toSummary } from './sessions.mapping';

const filtersOf = (q: BoardCountsQuery): SessionFilters => ({
  states: q.state?.split(','),
  source: q.source,
  text: q.text,
  archived: q.archived,
  includeDeleted: q.deleted === 'true',
  accountId: q.accountId,
});

/**
 * The board, served from the database so the browser holds only what it shows: one column's page at a time
 * (keyset on update_time, id) and per-column counts, both with the list's filters. The column rule is the
 * contracts' (contracts/board.ts); "stuck" is the keeper's marks applied to IN_PROGRESS sessions, so a column page
 * is the base column's index range minus (Running) or restricted to (Stuck) the few stuck ids.
 */
export function createBoardService(store: BoardStore) {
  /** Ids of the workspace's sessions the keeper's rule currently calls stuck (filters aside). */
  async function stuckIds(workspaceId: string): Promise<string[]> {
    const marks = await store.stuckMarks(workspaceId);
    if (!marks.size) return [];
    const out: string[] = [];
    const ids = [...marks.keys()];
    for (let i = 0; i < ids.length; i += 500) {
      for (const r of await store.stuckInputs(workspaceId, ids.slice(i, i + 500))) {
        const s = { state: r.state, lastActivityAt: r.last_activity_at ? displayTime(r.last_activity_at) : null };
        if (isStuck(s, new Date(marks.get(r.id)!).toISOString())) out.push(r.id);
      }
    }
    return out;
  }

  async function sliceFor(workspaceId: string, column: BoardColumnId): Promise<ColumnSlice> {
    if (column === 'stuck') return { onlyIds: await stuckIds(workspaceId) };
    if (column === 'running') return { column, exceptIds: await stuckIds(workspaceId) };
    return { column };
  }

  return {
    stuckIds,

    /** One page of a board column (`q.column`), newest update first. */
    async list(workspaceId: string, q: ListSessionsQuery & { column: BoardColumnId }): Promise<z.infer<typeof SessionPage>> {
      const after = sessionCursor.decode(q.cursor);
      const rows = await store.page(workspaceId, filtersOf(q), await sliceFor(workspaceId, q.column), q.limit + 1, after).execute();
      const more = rows.length > q.limit;
      const items = rows.slice(0, q.limit);
      const last = items.at(-1);
      return { items: items.map(toSummary), nextCursor: more && last ? sessionCursor.encode({ u: last.update_time, i: last.id }) : null };
    },

    /** Matching sessions per column (every column present, zero included), their total, and the sources. */
    async counts(workspaceId: string, q: BoardCountsQuery): Promise<BoardCounts> {
      const f = filtersOf(q);
      const [rows, stuck, sources] = await Promise.all([store.counts(workspaceId, f).execute(), stuckIds(workspaceId), store.sources(workspaceId)]);
      const columns = Object.fromEntries(BOARD_COLUMNS.map((c) => [c.id, 0])) as Record<BoardColumnId, number>;
      for (const r of rows) columns[r.col as BoardColumnId] += Number(r.n);
      // Stuck sessions are IN_PROGRESS, so the base counts hold them under Running.
      const nStuck = await store.countIds(workspaceId, f, stuck);
      columns.running -= nStuck;
      columns.stuck = nStuck;
      return { columns, total: Object.values(columns).reduce((a, b) => a + b, 0), sources };
    },
  };
}
export type BoardService = ReturnType<typeof createBoardService>;
