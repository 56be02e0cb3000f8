import type { SessionSummary } from '@autopilot/contracts';

/** Board columns, ordered by what the user must do first. */
export const COLUMNS = [
  { id: 'approval', title: 'Needs approval', hint: 'A plan waits for your approval' },
  { id: 'input', title: 'Needs input', hint: 'Jules asked a question' },
  { id: 'stuck', title: 'Stuck', hint: 'The keeper flagged no progress' },
  { id: 'running', title: 'Running', hint: 'Jules is working' },
  { id: 'queued', title: 'Queued / Planning', hint: 'Not started yet' },
  { id: 'failed', title: 'Failed', hint: 'Ended with an error' },
  { id: 'completed', title: 'Completed', hint: 'Done' },
] as const;
export type ColumnId = (typeof COLUMNS)[number]['id'];

/** Whether the keeper flags a session as stuck (see features/keeper/data.ts). */
export type StuckTest = (s: SessionSummary) => boolean;
const never: StuckTest = () => false;

/** The column a session belongs in. Unknown (newer) states wait in Queued rather than vanish. */
export function columnOf(s: SessionSummary, isStuck: StuckTest = never): ColumnId {
  if (s.state === 'AWAITING_PLAN_APPROVAL') return 'approval';
  if (s.state === 'AWAITING_USER_FEEDBACK') return 'input';
  if (isStuck(s)) return 'stuck';
  if (s.state === 'IN_PROGRESS' || s.state === 'PAUSED') return 'running';
  if (s.state === 'FAILED') return 'failed';
  if (s.state === 'COMPLETED') return 'completed';
  return 'queued';
}

/** Human words for a state. */
export function stateLabel(state: string): string {
  const known: Record<string, string> = {
    QUEUED: 'Queued',
    PLANNING: 'Planning',
    AWAITING_PLAN_APPROVAL: 'Needs approval',
    AWAITING_USER_FEEDBACK: 'Needs input',
    IN_PROGRESS: 'Running',
    PAUSED: 'Paused',
    FAILED: 'Failed',
    COMPLETED: 'Completed',
  };
  return known[state] ?? state.toLowerCase().replace(/_/g, ' ');
}

/** The repo part of a source name: `sources/github/acme/api` -> `acme/api`. */
export function repoOf(source: string | null): string {
  if (!source) return 'no repo';
  return source.replace(/^sources\//, '').replace(/^github\//, '');
}

export interface SessionFilter {
  state: string;
  source: string;
  text: string;
}

/** Applies the board's filters in memory (the whole list is already loaded and kept live). */
export function filterSessions(items: readonly SessionSummary[], f: SessionFilter): SessionSummary[] {
  const text = f.text.trim().toLowerCase();
  return items.filter(
    (s) =>
      (!f.state || s.state === f.state) &&
      (!f.source || s.source === f.source) &&
      (!text || s.title.toLowerCase().includes(text) || s.prompt.toLowerCase().includes(text) || s.id.includes(text)),
  );
}

/** Groups sessions by column, each newest-updated first. */
export function groupByColumn(items: readonly SessionSummary[], isStuck: StuckTest = never): Record<ColumnId, SessionSummary[]> {
  const out = Object.fromEntries(COLUMNS.map((c) => [c.id, [] as SessionSummary[]])) as Record<ColumnId, SessionSummary[]>;
  for (const s of items) out[columnOf(s, isStuck)].push(s);
  for (const list of Object.values(out)) list.sort(byUpdateDesc);
  return out;
}

/** Newest update first, ties by id so the order is stable. */
export const byUpdateDesc = (a: SessionSummary, b: SessionSummary) =>
  a.updateTime < b.updateTime ? 1 : a.updateTime > b.updateTime ? -1 : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
