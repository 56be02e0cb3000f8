import { useQuery } from '@tanstack/react-query';
import { ApiError } from '@autopilot/client';
import type { PullRequest } from '@autopilot/contracts';
import { Link } from '../../app/router';
import { ago } from '../../lib/format';
import { ErrorNote } from '../../lib/ui';
import { RunIcon, Tone } from './Badges';
import { githubKeys, useCoalescedInvalidate, usePullsApi } from './data';
import { checksBadge, latestRuns, mergeBadge, prStateBadge, reviewBadge, runBadge, runDuration, runPhase, shortSha } from './logic';
import './github.css';

function PullItem({ pr }: { pr: PullRequest }) {
  const pulls = usePullsApi();
  const detail = useQuery({ queryKey: githubKeys.pull(pr.id), queryFn: ({ signal }) => pulls.get(pr.id, signal) });
  // The list answer is enough for the header; the detail adds the head commit's runs (and is fresher when newer).
  const p = detail.data && detail.data.syncedAt >= pr.syncedAt ? detail.data : pr;
  const merge = mergeBadge(p);
  const runs = latestRuns(detail.data?.runs ?? []);
  return (
    <div className="gh-pull" data-testid="pull" data-pr={p.number} data-checks={p.checks} data-state={p.state}>
      <div className="gh-pull-title">
        <a href={p.htmlUrl} target="_blank" rel="noreferrer" data-testid="pull-link">
          {p.title || `PR #${p.number}`}
        </a>
        <span className="muted small">
          {p.repo}#{p.number} · <span className="mono">{p.headRef}</span> → <span className="mono">{p.baseRef}</span>
        </span>
      </div>
      <div className="gh-pull-badges">
        <Tone b={prStateBadge(p)} testId="pull-state" />
        <Tone b={checksBadge(p.checks)} testId="pull-checks" />
        <Tone b={reviewBadge(p.reviewDecision)} testId="pull-review" />
        {merge && <Tone b={merge} testId="pull-merge" />}
        <span className="muted small" title={p.syncedAt}>
          commit <span className="mono">{shortSha(p.headSha)}</span> · synced {ago(p.syncedAt)}
        </span>
      </div>
      {p.labels.length > 0 && (
        <ul className="gh-labels" aria-label="Labels">
          {p.labels.map((l) => (
            <li key={l} className="gh-label">
              {l}
            </li>
          ))}
        </ul>
      )}
      {detail.isError && <ErrorNote error={detail.error} retry={() => void detail.refetch()} />}
      {runs.length > 0 ? (
        <ul className="gh-runs" aria-label="Checks" data-testid="pull-runs">
          {runs.map((r) => {
            const b = runBadge(r);
            return (
              <li key={r.id} className="gh-run" data-testid="pull-run" data-name={r.name} data-phase={runPhase(r)} data-status={b.label}>
                <RunIcon r={r} />
                <span className="gh-run-name">{r.htmlUrl ? <a href={r.htmlUrl} target="_blank" rel="noreferrer">{r.name}</a> : r.name}</span>
                <Tone b={b} />
                <span className="gh-run-dur">{r.status === 'completed' ? runDuration(r.durationMs) : r.startedAt ? `started ${ago(r.startedAt)}` : 'queued'}</span>
              </li>
            );
          })}
        </ul>
      ) : (
        detail.data && <p className="muted small">No checks reported on this commit yet.</p>
      )}
      <Link href={`/ci?repo=${encodeURIComponent(p.repo)}&pr=${p.number}`} className="small">
        All CI runs of this PR
      </Link>
    </div>
  );
}

/**
 * The session page's "Pull request" panel: every PR linked to the session with state, checks (each check run),
 * review decision, mergeability and labels; live on `github.pull.updated` / `ci.run.updated` for this session.
 */
export function PullPanel({ sessionId, hasPrUrl }: { sessionId: string; hasPrUrl: boolean }) {
  const pulls = usePullsApi();
  const list = useQuery({ queryKey: githubKeys.session(sessionId), queryFn: ({ signal }) => pulls.list({ sessionId, limit: 20 }, signal), retry: false });
  useCoalescedInvalidate(
    (e) => (e.type === 'github.pull.updated' || e.type === 'ci.run.updated') && e.data.sessionId === sessionId,
    // The list (new PR, state) and each PR's detail (its runs): all under this session's keys.
    () => [githubKeys.session(sessionId), ...(list.data?.items ?? []).map((p) => githubKeys.pull(p.id))],
    250,
  );
  // A server without the GitHub loop (404) or a viewer of a session with no PR: nothing to show.
  if (list.isError && list.error instanceof ApiError && list.error.status === 404) return null;
  const items = list.data?.items ?? [];
  if (list.isSuccess && items.length === 0 && !hasPrUrl) return null;
  return (
    <section className="card panel" aria-labelledby="pull-title" data-testid="pull-panel">
      <div className="panel-head">
        <h2 id="pull-title">{items.length > 1 ? 'Pull requests' : 'Pull request'}</h2>
      </div>
      {list.isError ? (
        <ErrorNote error={list.error} retry={() => void list.refetch()} />
      ) : list.isPending ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="muted">
          The session has a PR, but GitHub has not been read for it yet. <Link href="/settings/github">Connect GitHub</Link> to follow its checks here.
        </p>
      ) : (
        <div className="gh-pulls">
          {items.map((pr) => (
            <PullItem key={pr.id} pr={pr} />
          ))}
        </div>
      )}
    </section>
  );
}
