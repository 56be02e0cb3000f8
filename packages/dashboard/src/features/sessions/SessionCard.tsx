import { memo } from 'react';
import type { SessionSummary } from '@autopilot/contracts';
import { Link } from '../../app/router';
import { ago } from '../../lib/format';
import { repoOf, stateLabel } from './columns';

/** The state as a coloured pill; the colour family follows the board column. */
export function StatePill({ state }: { state: string }) {
  return (
    <span className={`pill state state-${state.toLowerCase()}`} data-state={state}>
      {stateLabel(state)}
    </span>
  );
}

/** One session on the board: a link to its detail page, fixed height so the column can virtualize cheaply. */
export const SessionCard = memo(function SessionCard({ s, stuck }: { s: SessionSummary; stuck?: boolean }) {
  return (
    <Link href={`/sessions/${encodeURIComponent(s.id)}`} className="session-card" data-session-id={s.id} data-testid="session-card">
      <span className="session-title">{s.title || s.prompt}</span>
      <span className="session-repo muted ellipsis" title={s.source ?? undefined}>
        {repoOf(s.source)}
        {s.startingBranch ? ` · ${s.startingBranch}` : ''}
      </span>
      <span className="session-meta">
        <StatePill state={s.state} />
        {stuck && <span className="pill pill-down">stuck</span>}
        <span className="spacer" />
        {s.prUrl && (
          <span className="pr-badge" title="Has a pull request">
            PR
          </span>
        )}
        <span className="muted nowrap" title={s.updateTime}>
          {ago(s.updateTime)}
        </span>
      </span>
    </Link>
  );
});
