import { z } from '@hono/zod-openapi';

/**
 * The sessions board's grouping: "what must the user do" columns. The server filters, counts and pages by column
 * with these rules and the dashboard places live updates with the same ones, so the two cannot disagree.
 */
export const BOARD_COLUMNS = [
  { id: 'approval', title: 'Needs approval', hint: 'A plan waits for your approval' },
  { id: 'input', title: 'Needs input', hint: 'Jules asked a question' },
  { id: 'stuck', title: 'Stuck', hint: 'The keeper flagged no progress' },
  { id: 'running', title: 'Running', hint: 'Jules is working' },
  { id: 'queued', title: 'Queued / Planning', hint: 'Not started yet' },
  { id: 'failed', title: 'Failed', hint: 'Ended with an error' },
  { id: 'completed', title: 'Completed', hint: 'Done' },
] as const;
export type BoardColumnId = (typeof BOARD_COLUMNS)[number]['id'];
export const BoardColumnId = z.enum(BOARD_COLUMNS.map((c) => c.id) as [BoardColumnId, ...BoardColumnId[]]);

/**
 * The column of each known state, before the keeper's stuck marks. Unknown (newer) states wait in Queued rather
 * than vanish. The server's index expression (sessions.store.ts, migration 2026120160) is built from this table.
 */
export const COLUMN_OF_STATE: Readonly<Record<string, Exclude<BoardColumnId, 'stuck'>>> = {
  AWAITING_PLAN_APPROVAL: 'approval',
  AWAITING_USER_FEEDBACK: 'input',
  IN_PROGRESS: 'running',
  PAUSED: 'running',
  FAILED: 'failed',
  COMPLETED: 'completed',
};
export const DEFAULT_COLUMN = 'queued' as const;

/** The column a state belongs in when the session is not stuck. */
export const stateColumn = (state: string): Exclude<BoardColumnId, 'stuck'> => COLUMN_OF_STATE[state] ?? DEFAULT_COLUMN;

/**
 * The keeper's stuck rule: marked stuck (`markedAt`, the newest stuck mark), still IN_PROGRESS, and no activity
 * since the mark. Stuck sessions leave Running for the Stuck column.
 */
export function isStuck(s: { state: string; lastActivityAt: string | null }, markedAt: string | undefined): boolean {
  if (!markedAt || s.state !== 'IN_PROGRESS') return false;
  return !s.lastActivityAt || Date.parse(markedAt) >= Date.parse(s.lastActivityAt);
}

/** The column a session is shown in, given its newest stuck mark (if any). */
export function boardColumnOf(s: { state: string; lastActivityAt: string | null }, markedAt?: string): BoardColumnId {
  return isStuck(s, markedAt) ? 'stuck' : stateColumn(s.state);
}

/** The board's filters, as the list and counts endpoints apply them. */
export interface BoardFilter {
  states?: readonly string[];
  source?: string;
  text?: string;
}

/** Normalises a source filter the way the server does: `github/o/r` means `sources/github/o/r`. */
/** Any accepted spelling of a source to Jules's canonical `sources/github/owner/repo`. */
export function normalizeSource(source: string): string {
  const s = source.trim();
  if (s.startsWith('sources/github/')) return s;
  if (s.startsWith('github/') && s.split('/').length === 3) return `sources/${s}`;
  return `sources/github/${s}`;
}

/**
 * Whether a session passes the filters: the server's SQL says the same thing (state in the list, exact source,
 * case-insensitive substring of the title or the prompt); the dashboard uses it to place live updates.
 */
export function matchesBoardFilter(s: { state: string; source: string | null; title: string; prompt: string }, f: BoardFilter): boolean {
  if (f.states?.length && !f.states.includes(s.state)) return false;
  if (f.source && s.source !== normalizeSource(f.source)) return false;
  const text = f.text?.toLowerCase();
  return !text || s.title.toLowerCase().includes(text) || s.prompt.toLowerCase().includes(text);
}

/** Newest update first, ties by id descending: the order of every column page and of the table. */
export const byBoardOrder = (a: { updateTime: string; id: string }, b: { updateTime: string; id: string }) =>
  a.updateTime < b.updateTime ? 1 : a.updateTime > b.updateTime ? -1 : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
