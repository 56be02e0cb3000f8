import type { InfiniteData, QueryClient } from '@tanstack/react-query';
import { boardColumnOf, byBoardOrder, matchesBoardFilter, type BoardColumnId, type BoardCounts, type SessionPage, type SessionSummary } from '@autopilot/contracts';
import type { z } from '@hono/zod-openapi';

/**
 * The board's cache: per filter, the server's counts and, per column (or the whole table), the pages loaded so
 * far. Live updates patch these in place: a session that changes column leaves one column's pages and enters the
 * other's (where it sorts inside what is loaded), and the counts move with it.
 */
export type Page = z.infer<typeof SessionPage>;
export type Pages = InfiniteData<Page, string | undefined>;

/** What the board filters on (the URL's filters), in the form the API takes. */
export interface BoardQuery {
  state?: string;
  source?: string;
  text?: string;
}
/** A column id, or 'all' for the table (every column, one order). */
export type ListId = BoardColumnId | 'all';

export const BOARD_KEY = ['sessions', 'board'] as const;
export const countsKey = (f: BoardQuery) => [...BOARD_KEY, f, 'counts'] as const;
export const listKey = (f: BoardQuery, list: ListId) => [...BOARD_KEY, f, 'list', list] as const;

const filterOf = (f: BoardQuery) => ({ states: f.state ? f.state.split(',') : undefined, source: f.source, text: f.text });

/** Whether `s` belongs in list `list` under filter `f` (given the keeper's stuck marks). */
export function belongs(s: SessionSummary, f: BoardQuery, list: ListId, marks?: ReadonlyMap<string, string>): boolean {
  if (s.archived || s.deleted || !matchesBoardFilter(s, filterOf(f))) return false;
  return list === 'all' || boardColumnOf(s, marks?.get(s.id)) === list;
}

/** `pages` without the given ids (the same object when none of them is there); reports which ids it removed. */
function without(pages: Pages, ids: ReadonlySet<string>, removed: Set<string>): Pages {
  let changed = false;
  const next = pages.pages.map((p) => {
    if (!p.items.some((s) => ids.has(s.id))) return p;
    changed = true;
    return { ...p, items: p.items.filter((s) => (ids.has(s.id) ? (removed.add(s.id), false) : true)) };
  });
  return changed ? { ...pages, pages: next } : pages;
}

/**
 * Inserts `s` where it sorts. A session newer than the last loaded row goes in now; an older one is left for the
 * next page (keyset paging will bring it, since the cursor is the last loaded row), unless the list is complete.
 */
function inserted(pages: Pages, s: SessionSummary): Pages {
  const all = pages.pages;
  const last = all.at(-1);
  const complete = !last?.nextCursor;
  for (let p = 0; p < all.length; p++) {
    const items = all[p].items;
    const at = items.findIndex((x) => byBoardOrder(s, x) < 0);
    if (at !== -1) return { ...pages, pages: all.map((pg, j) => (j === p ? { ...pg, items: [...items.slice(0, at), s, ...items.slice(at)] } : pg)) };
  }
  if (!complete || !last) return pages;
  return { ...pages, pages: all.map((pg, j) => (j === all.length - 1 ? { ...pg, items: [...pg.items, s] } : pg)) };
}

/**
 * Applies fresh summaries to every cached board list and count, in one pass per query. Returns the filters whose
 * counts could only be adjusted in part (a session not loaded anywhere may have left a column), to be refetched.
 */
export function applyToBoard(qc: QueryClient, fresh: readonly SessionSummary[], marks?: ReadonlyMap<string, string>): BoardQuery[] {
  if (!fresh.length) return [];
  const ids = new Set(fresh.map((s) => s.id));
  // Per filter: the column each session was found in before this update.
  const seen = new Map<string, { f: BoardQuery; from: Map<string, ListId> }>();
  for (const [key, data] of qc.getQueriesData<Pages>({ queryKey: [...BOARD_KEY] })) {
    if (key[3] !== 'list' || !data) continue;
    const f = key[2] as BoardQuery;
    const list = key[4] as ListId;
    const removed = new Set<string>();
    let next = without(data, ids, removed);
    for (const s of fresh) if (belongs(s, f, list, marks)) next = inserted(next, s);
    if (next !== data) qc.setQueryData(key, next);
    const entry = seen.get(JSON.stringify(f)) ?? { f, from: new Map() };
    seen.set(JSON.stringify(f), entry);
    if (list !== 'all') for (const id of removed) entry.from.set(id, list);
  }
  const partial: BoardQuery[] = [];
  for (const [key, counts] of qc.getQueriesData<BoardCounts>({ queryKey: [...BOARD_KEY] })) {
    if (key[3] !== 'counts' || !counts) continue;
    const f = key[2] as BoardQuery;
    const from = seen.get(JSON.stringify(f))?.from ?? new Map<string, ListId>();
    const columns = { ...counts.columns };
    let unsure = false;
    for (const s of fresh) {
      const was = from.get(s.id);
      const now = belongs(s, f, 'all', marks) ? boardColumnOf(s, marks?.get(s.id)) : undefined;
      if (was === undefined) unsure = true; // not loaded: it may or may not have been counted somewhere
      if (was === now) continue;
      if (was && was !== 'all') columns[was] = Math.max(0, columns[was] - 1);
      if (now && was !== undefined) columns[now] += 1;
    }
    if (unsure) partial.push(f);
    const total = Object.values(columns).reduce((a, b) => a + b, 0);
    qc.setQueryData<BoardCounts>(key, { ...counts, columns, total });
  }
  return partial;
}

/** Removes sessions from every cached board list; counts are refetched by the caller. */
export function removeFromBoard(qc: QueryClient, id: string) {
  for (const [key, data] of qc.getQueriesData<Pages>({ queryKey: [...BOARD_KEY] })) {
    if (key[3] !== 'list' || !data) continue;
    const next = without(data, new Set([id]), new Set());
    if (next !== data) qc.setQueryData(key, next);
  }
}

/** The items of a list's loaded pages, in order. */
export const itemsOf = (pages: Pages | undefined): SessionSummary[] => (pages ? pages.pages.flatMap((p) => p.items) : []);
