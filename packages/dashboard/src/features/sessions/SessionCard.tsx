import { memo } from 'react';
import type { SessionSummary } from '@autopilot/contracts';
import { Link } from '../../app/router';
import { ago, agoShort } from '../../lib/format';
import { repoOf, stateLabel, type ColumnId } from './columns';
import { PullBadge } from '../github/Badges';

/** The state as a coloured pill; the colour family follows the board column. */
export function StatePill({ state }: { state: string }) {
  return (
    <span className={`pill state state-${state.toLowerCase()}`} data-state={state}>
      {stateLabel(state)}
    </span>
  );
}

/**
 * One session on the board: a link to its detail page, fixed height so the column can virtualize cheaply. The state
 * pill shows only where a column mixes states (Queued/Planning, Running); elsewhere the column already says it.
 */
export const SessionCard = memo(function SessionCard({ s, column }: { s: SessionSummary; column?: ColumnId }) {
  const showState = column === undefined || column === 'queued' || column === 'running';
  return (
    <Link href={`/sessions/${encodeURIComponent(s.id)}`} className="session-card" data-session-id={s.id} data-testid="session-card">
      <span className="session-title">{s.title || s.prompt}</span>
      <span className="session-repo muted ellipsis" title={s.source ?? undefined}>
        {repoOf(s.source)}
        {s.startingBranch ? ` · ${s.startingBranch}` : ''}
      </span>
      <span className="session-meta">
        {showState && <StatePill state={s.state} />}
        {column === 'stuck' && <span className="pill pill-down">stuck</span>}
        <span className="spacer" />
        <PullBadge sessionId={s.id} hasPrUrl={!!s.prUrl} />
        <span className="muted nowrap" title={`Updated ${ago(s.updateTime)} (${s.updateTime})`}>
          {agoShort(s.updateTime)}
        </span>
      </span>
    </Link>
  );
});
