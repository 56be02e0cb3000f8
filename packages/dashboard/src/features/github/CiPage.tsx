import { useState, type FormEvent } from 'react';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { CiStats } from '@autopilot/contracts';
import { Link, navigate, useLocation } from '../../app/router';
import { useApi } from '../../lib/api';
import { ago } from '../../lib/format';
import { ErrorNote } from '../../lib/ui';
import { RunIcon, Tone } from './Badges';
import { githubKeys, useCoalescedInvalidate, usePullsApi } from './data';
import { CONCLUSIONS, padDays, ciFilterFrom, ciQueryOf, ciSearchOf, percent, runBadge, runDuration, shortSha, type CiFilter } from './logic';
import './github.css';

function Stat({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="card ci-stat" data-testid={testId}>
      <span className="muted small">{label}</span>
      <span className="n">{value}</span>
    </div>
  );
}

/** Passed (green, bottom) and failed (red, top) runs per UTC day, one bar per day. */
function DayBars({ days }: { days: CiStats['byDay'] }) {
  const max = Math.max(1, ...days.map((d) => d.passed + d.failed));
  return (
    <div className="ci-chart">
      <div className="bars ci-bars" role="img" aria-label={`Passed and failed runs per day, ${days.length} days`} data-testid="ci-chart">
        {days.map((d) => (
          <div key={d.day} className="bar" title={`${d.day}: ${d.passed} passed, ${d.failed} failed`}>
            <span className="ci-bar-failed" style={{ height: `${(d.failed / max) * 100}%`, minHeight: d.failed ? 2 : 0 }} />
            <span className="ci-bar-passed" style={{ height: `${(d.passed / max) * 100}%`, minHeight: d.passed ? 2 : 0 }} />
          </div>
        ))}
      </div>
      <div className="ci-legend">
        <span>
          <i style={{ background: 'var(--ok)' }} />
          passed
        </span>
        <span>
          <i style={{ background: 'var(--bad)' }} />
          failed
        </span>
        <span>
          {days[0]?.day} – {days.at(-1)?.day} (UTC)
        </span>
      </div>
    </div>
  );
}

function Filters({ f }: { f: CiFilter }) {
  const pulls = usePullsApi();
  // The repositories the workspace knows (saved automation + its sessions' repositories), offered while typing.
  const repos = useQuery({ queryKey: githubKeys.automation, queryFn: ({ signal }) => pulls.automation(signal), staleTime: 60_000, retry: false });
  const [draft, setDraft] = useState(f);
  const apply = (next: CiFilter) => navigate(`/ci${ciSearchOf(next)}`, { replace: true });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    apply(draft);
  };
  const field = (k: keyof CiFilter) => ({ value: draft[k], onChange: (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [k]: e.target.value })) });
  return (
    <form className="ci-filters card panel" onSubmit={submit} aria-label="Filter CI runs">
      <div>
        <label htmlFor="ci-repo">Repository</label>
        <input id="ci-repo" placeholder="owner/name" autoComplete="off" list="ci-repos" {...field('repo')} />
        <datalist id="ci-repos">
          {repos.data?.items.map((a) => <option key={a.repo} value={a.repo} />)}
        </datalist>
      </div>
      <div>
        <label htmlFor="ci-pr">PR #</label>
        <input id="ci-pr" inputMode="numeric" placeholder="any" autoComplete="off" {...field('pr')} />
      </div>
      <div>
        <label htmlFor="ci-session">Session</label>
        <input id="ci-session" placeholder="session id" autoComplete="off" {...field('sessionId')} />
      </div>
      <div>
        <label htmlFor="ci-conclusion">Conclusion</label>
        <select
          id="ci-conclusion"
          value={draft.conclusion}
          onChange={(e) => {
            const next = { ...draft, conclusion: e.target.value };
            setDraft(next);
            apply(next);
          }}
        >
          <option value="">Any</option>
          {CONCLUSIONS.map((c) => (
            <option key={c} value={c}>
              {c.replace(/_/g, ' ')}
            </option>
          ))}
        </select>
      </div>
      <div className="st-actions start">
        <button type="submit" className="primary">
          Filter
        </button>
        {ciSearchOf(f) && (
          <button
            type="button"
            onClick={() => {
              const none = { repo: '', pr: '', sessionId: '', conclusion: '' };
              setDraft(none);
              apply(none);
            }}
          >
            Clear
          </button>
        )}
      </div>
    </form>
  );
}

/** What to do when there is nothing to show: connect GitHub, or wait for a linked PR's checks. */
function Empty({ filtered }: { filtered: boolean }) {
  const api = useApi();
  const conn = useQuery({ queryKey: githubKeys.connection, queryFn: ({ signal }) => api.github.connection(signal) });
  if (filtered) return <p className="muted ci-empty">No runs match these filters.</p>;
  if (conn.data?.kind === 'none')
    return (
      <div className="card ci-empty" data-testid="ci-empty">
        <strong>GitHub is not connected.</strong>
        <ol>
          <li>
            In <Link href="/settings/github">Settings → GitHub</Link>, give a fine-grained token that can read pull requests and checks of your repositories.
          </li>
          <li>Optionally set up the webhook there, so checks show within seconds instead of at the next poll.</li>
          <li>Sessions created with "open a pull request" then show their PR's checks here and on the session page.</li>
        </ol>
      </div>
    );
  return (
    <p className="muted ci-empty" data-testid="ci-empty">
      No CI runs yet. Runs appear when a PR opened by a session gets checks on GitHub.
    </p>
  );
}

/**
 * CI: totals and success rate, passed/failed per day, and every check run of linked PRs (filters in the URL,
 * "load more" pages), refreshed live (coalesced) on `ci.run.updated`.
 */
export function CiPage() {
  const { query } = useLocation();
  const f = ciFilterFrom(query);
  const search = ciSearchOf(f);
  const q = ciQueryOf(f);
  const pulls = usePullsApi();
  const stats = useQuery({ queryKey: [...githubKeys.ci, 'stats', search], queryFn: ({ signal }) => pulls.stats(q, signal) });
  const runs = useInfiniteQuery({
    queryKey: [...githubKeys.ci, 'runs', search],
    queryFn: ({ pageParam, signal }) => pulls.runs({ ...q, limit: 50, cursor: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  useCoalescedInvalidate((e) => e.type === 'ci.run.updated', () => [githubKeys.ci], 1000);
  const s = stats.data;
  const items = runs.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section className="ci-page" aria-labelledby="ci-title">
      <div className="page-head">
        <h1 id="ci-title">CI</h1>
        <span className="muted small">Checks of pull requests opened by sessions</span>
      </div>
      <Filters key={search} f={f} />
      {stats.isError ? (
        <ErrorNote error={stats.error} retry={() => void stats.refetch()} />
      ) : (
        <div className="ci-stats" data-testid="ci-stats">
          <Stat label="Runs" value={s ? String(s.total) : '…'} testId="ci-total" />
          <Stat label="Passed" value={s ? String(s.passed) : '…'} testId="ci-passed" />
          <Stat label="Failed" value={s ? String(s.failed) : '…'} testId="ci-failed" />
          <Stat label="Success rate" value={s ? percent(s.successRate) : '…'} testId="ci-rate" />
          <Stat label="Median duration" value={s ? runDuration(s.medianDurationMs) : '…'} testId="ci-median" />
          {s && s.running > 0 && <Stat label="Running now" value={String(s.running)} testId="ci-running" />}
        </div>
      )}
      {s && s.total > 0 && <DayBars days={padDays(s.byDay, new Date().toISOString().slice(0, 10))} />}
      {runs.isError && <ErrorNote error={runs.error} retry={() => void runs.refetch()} />}
      {runs.isPending && <p className="muted">Loading runs…</p>}
      {runs.isSuccess && items.length === 0 && <Empty filtered={!!search} />}
      {items.length > 0 && (
        <div className="table-wrap">
          <table className="table ci-table" data-testid="ci-runs">
            <thead>
              <tr>
                <th scope="col">Check</th>
                <th scope="col">Result</th>
                <th scope="col">Repository</th>
                <th scope="col">PR</th>
                <th scope="col">Session</th>
                <th scope="col" className="num">Duration</th>
                <th scope="col">Commit</th>
                <th scope="col">Started</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.id} data-testid="ci-run" data-conclusion={r.conclusion ?? r.status}>
                  <th scope="row" className="ci-wrap">
                    <span className="gh-pull-badges">
                      <RunIcon r={r} /> {r.htmlUrl ? <a href={r.htmlUrl} target="_blank" rel="noreferrer">{r.name}</a> : r.name}
                    </span>
                  </th>
                  <td>
                    <Tone b={runBadge(r)} />
                  </td>
                  <td data-label="repo" className="ci-wrap">
                    <Link href={`/ci${ciSearchOf({ ...f, repo: r.repo, pr: '' })}`}>{r.repo}</Link>
                  </td>
                  <td data-label="PR">{r.prNumber ? <Link href={`/ci${ciSearchOf({ ...f, repo: r.repo, pr: String(r.prNumber) })}`}>#{r.prNumber}</Link> : '—'}</td>
                  <td data-label="session">{r.sessionId ? <Link href={`/sessions/${encodeURIComponent(r.sessionId)}`} className="mono">{r.sessionId.slice(0, 12)}</Link> : '—'}</td>
                  <td data-label="took" className="num">
                    {runDuration(r.durationMs)}
                  </td>
                  <td data-label="commit" className="mono">
                    {shortSha(r.headSha)}
                  </td>
                  <td data-label="started" title={r.startedAt ?? undefined}>
                    {ago(r.startedAt)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {runs.hasNextPage && (
        <button type="button" onClick={() => void runs.fetchNextPage()} disabled={runs.isFetchingNextPage} data-testid="ci-more">
          {runs.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}
    </section>
  );
}
