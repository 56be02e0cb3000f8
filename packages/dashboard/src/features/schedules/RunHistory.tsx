import type { RunOutcome, ScheduleRun } from '@autopilot/contracts';
import { Link } from '../../app/router';
import { ErrorNote } from '../../lib/ui';
import { useRuns } from './data';
import { safeHref } from './schedule-form';
import { inZone } from './TimingPreview';

const PILL: Record<RunOutcome, string> = { ok: 'pill pill-ok', failed: 'pill pill-down', skipped: 'pill', pending: 'pill pill-degraded' };

/** A run's outcome as a coloured pill (the text says it; the colour only repeats it). */
export function OutcomePill({ outcome }: { outcome: RunOutcome }) {
  return <span className={PILL[outcome]}>{outcome}</span>;
}

/** A run's links: in-app paths open in the app, http(s) ones in a new tab; anything else is shown, not linked. */
function RunLinks({ run }: { run: ScheduleRun }) {
  if (run.links.length === 0) return <span className="st-muted">—</span>;
  return (
    <span className="sc-links">
      {run.links.map((l, i) => {
        const h = safeHref(l.url);
        if (!h) return <span key={i}>{l.label}</span>;
        return h.internal ? (
          <Link key={i} href={h.href}>
            {l.label}
          </Link>
        ) : (
          <a key={i} href={h.href} target="_blank" rel="noopener noreferrer">
            {l.label}
          </a>
        );
      })}
    </span>
  );
}

/** The schedule's runs, newest first: fire time (in its zone), outcome, reason, links; "Load more" pages on. */
export function RunHistory({ id, zone }: { id: string; zone: string }) {
  const runs = useRuns(id);
  const items = runs.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section className="st-card sc-history" aria-labelledby="sch-history-title">
      <h2 id="sch-history-title" className="tp-h2">
        Run history
      </h2>
      {runs.isError && <ErrorNote error={runs.error} retry={() => void runs.refetch()} />}
      {runs.isLoading && <p className="st-muted">Loading…</p>}
      {runs.data && items.length === 0 && <p className="st-muted">No run yet.</p>}
      {items.length > 0 && (
        <table className="sc-table" data-testid="run-history">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Outcome</th>
              <th scope="col">Reason</th>
              <th scope="col">Links</th>
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <tr key={r.id} data-testid="run-row">
                <td data-label="Time">
                  <span>
                    <time dateTime={r.fireAt}>{inZone(r.fireAt, zone)}</time>
                    {r.missed > 0 && <span className="st-hint"> (stands for {r.missed} missed)</span>}
                    {r.attempts > 1 && <span className="st-hint"> ({r.attempts} attempts)</span>}
                  </span>
                </td>
                <td data-label="Outcome">
                  <OutcomePill outcome={r.outcome} />
                </td>
                <td data-label="Reason" className="st-wrap">
                  <span>{r.reason ?? <span className="st-muted">—</span>}</span>
                </td>
                <td data-label="Links">
                  <RunLinks run={r} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {runs.hasNextPage && (
        <div className="st-actions start">
          <button type="button" onClick={() => void runs.fetchNextPage()} disabled={runs.isFetchingNextPage}>
            {runs.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </section>
  );
}
