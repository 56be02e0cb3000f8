import type { CiRun, PullRequest } from '@autopilot/contracts';
import { checksBadge, runBadge, runPhase, type Badge } from './logic';
import { useBoardPull } from './data';
import './github.css';

/** A coloured pill for a badge; the label is the text, the title explains it. */
export function Tone({ b, testId }: { b: Badge; testId?: string }) {
  return (
    <span className={`pill gh-tone gh-${b.tone}`} title={b.title} data-testid={testId}>
      {b.label}
    </span>
  );
}

/** The icon of a check run's phase: a spinner while running (static under reduced motion), ✓, ✕ or –. */
export function RunIcon({ r }: { r: Pick<CiRun, 'status' | 'conclusion'> }) {
  const phase = runPhase(r);
  if (phase === 'pending') return <span className="gh-spinner" role="img" aria-label="running" />;
  const glyph = phase === 'passed' ? '✓' : phase === 'failed' ? '✕' : '–';
  return (
    <span className={`gh-run-icon gh-${phase === 'passed' ? 'ok' : phase === 'failed' ? 'bad' : 'muted'}`} role="img" aria-label={runBadge(r).label}>
      {glyph}
    </span>
  );
}

/** The board card's PR + checks mark: "#12" coloured by its checks, from the board's one list of PRs. */
export function PullBadge({ sessionId, hasPrUrl }: { sessionId: string; hasPrUrl: boolean }) {
  const pr = useBoardPull(sessionId);
  if (!pr) {
    return hasPrUrl ? (
      <span className="pr-badge" title="Has a pull request">
        PR
      </span>
    ) : null;
  }
  return <PullMark pr={pr} />;
}

export function PullMark({ pr }: { pr: PullRequest }) {
  const c = checksBadge(pr.checks);
  const tone = pr.state === 'merged' ? 'info' : pr.state === 'closed' ? 'muted' : c.tone;
  const what = pr.state === 'open' ? c.label : pr.state;
  return (
    <span className={`gh-pr-badge gh-${tone}`} title={`PR #${pr.number} (${pr.repo}): ${what}`} data-testid="pr-badge" data-checks={pr.checks} data-state={pr.state}>
      {pr.state === 'open' && pr.checks === 'pending' ? <span className="gh-spinner gh-spinner-sm" aria-hidden="true" /> : null}
      {pr.state === 'merged' ? '⇡' : ''}#{pr.number}
      {pr.state === 'open' && (pr.checks === 'success' ? ' ✓' : pr.checks === 'failure' ? ' ✕' : '')}
      <span className="sr-only">, {what}</span>
    </span>
  );
}
