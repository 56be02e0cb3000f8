import { BOARD_COLUMNS, type BoardColumnId } from '@autopilot/contracts';

/** Board columns, ordered by what the user must do first: the contracts' list, which the server groups by too. */
export const COLUMNS = BOARD_COLUMNS;
export type ColumnId = BoardColumnId;

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
