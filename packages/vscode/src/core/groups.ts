import { BOARD_COLUMNS, type BoardColumnId } from '@autopilot/contracts';

/**
 * The tree's groups, what needs the person first. They are the server's board columns (contracts/board.ts) with
 * Queued / Planning folded into Running: both mean "Jules has it, nothing for you to do".
 */
export const GROUPS = [
  { id: 'approval', title: 'Needs approval', needsUser: true },
  { id: 'input', title: 'Needs input', needsUser: true },
  { id: 'stuck', title: 'Stuck', needsUser: true },
  { id: 'failed', title: 'Failed', needsUser: true },
  { id: 'running', title: 'Running', needsUser: false },
  { id: 'done', title: 'Done', needsUser: false },
] as const;
export type GroupId = (typeof GROUPS)[number]['id'];

const GROUP_OF_COLUMN: Record<BoardColumnId, GroupId> = {
  approval: 'approval',
  input: 'input',
  stuck: 'stuck',
  failed: 'failed',
  running: 'running',
  queued: 'running',
  completed: 'done',
};

/** The group of a board column. */
export const groupOfColumn = (c: BoardColumnId): GroupId => GROUP_OF_COLUMN[c];

/** The board columns a group is made of (what to ask GET /api/sessions?column= for). */
export const columnsOfGroup = (g: GroupId): BoardColumnId[] => BOARD_COLUMNS.map((c) => c.id).filter((c) => GROUP_OF_COLUMN[c] === g);

export type GroupCounts = Record<GroupId, number>;

/** Group counts from the server's per-column counts (GET /api/sessions/counts). */
export function countsFromColumns(columns: Partial<Record<BoardColumnId, number>>): GroupCounts {
  const out = Object.fromEntries(GROUPS.map((g) => [g.id, 0])) as GroupCounts;
  for (const [c, n] of Object.entries(columns) as [BoardColumnId, number][]) if (GROUP_OF_COLUMN[c]) out[GROUP_OF_COLUMN[c]] += n;
  return out;
}

/**
 * The status bar's text: what needs the person, e.g. `Jules: 2 approval · 1 input`, or the running count when
 * nothing does. Codicons (`$(bell)`) are VS Code's; any other client shows them as text.
 */
export function statusText(c: GroupCounts): string {
  const parts = GROUPS.filter((g) => g.needsUser && c[g.id] > 0).map((g) => `${c[g.id]} ${g.id}`);
  if (parts.length) return `$(bell) Jules: ${parts.join(' · ')}`;
  return `$(check) Jules: ${c.running} running`;
}

/** The status bar's tooltip: every group with its count. */
export const statusTooltip = (c: GroupCounts) => GROUPS.map((g) => `${g.title}: ${c[g.id]}`).join('\n');
