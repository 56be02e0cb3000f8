import { useState } from 'react';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { LlmCallOutcomeFilter, LlmOutcome } from '@autopilot/contracts';
import { Link } from '../../app/router';
import { useApi } from '../../lib/api';
import { ErrorNote } from '../../lib/ui';

const OUTCOME_LABEL: Record<LlmOutcome, string> = {
  ok: 'ok',
  error: 'upstream error',
  invalid_output: 'invalid output',
  budget_exhausted: 'budget exhausted',
  no_provider: 'no provider',
  all_breakers_open: 'all circuits open',
};

interface Filter {
  outcome: LlmCallOutcomeFilter;
  errorCode?: string;
}
const sameFilter = (a: Filter, b: Filter) => a.outcome === b.outcome && a.errorCode === b.errorCode;
const PAGE = 25;

/** What a filter chip is called: the outcome, and the upstream error code when there is one. */
const labelOf = (outcome: LlmOutcome, errorCode: string | null | undefined) => (errorCode ? `${OUTCOME_LABEL[outcome]} · ${errorCode}` : OUTCOME_LABEL[outcome]);

/**
 * The drill-down behind the error count: every failed LLM call of the last 30 days, newest first, with when, what
 * for, where it went, its code and the reason in plain words (from the API). Chips filter by outcome and code.
 */
export function FailedCalls({ onClose }: { onClose: () => void }) {
  const api = useApi();
  const [filter, setFilter] = useState<Filter>({ outcome: 'failed' });
  const facets = useQuery({ queryKey: ['costs', 'usage', 'outcome,errorCode'], queryFn: ({ signal }) => api.llm.usage({ groupBy: ['outcome', 'errorCode'] }, signal) });
  const calls = useInfiniteQuery({
    queryKey: ['costs', 'calls', filter.outcome, filter.errorCode ?? ''],
    queryFn: ({ pageParam, signal }) => api.llm.calls({ outcome: filter.outcome, errorCode: filter.errorCode, limit: PAGE, cursor: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const failedRows = (facets.data?.rows ?? []).filter((r) => r.outcome && r.outcome !== 'ok');
  const totalFailed = failedRows.reduce((n, r) => n + r.calls, 0);
  const chips: Array<{ label: string; count: number; filter: Filter }> = [
    { label: 'All failures', count: totalFailed, filter: { outcome: 'failed' } },
    ...failedRows.map((r) => ({ label: labelOf(r.outcome!, r.errorCode), count: r.calls, filter: { outcome: r.outcome!, ...(r.errorCode ? { errorCode: r.errorCode } : {}) } })),
  ];
  const items = calls.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section className="costs-failed" aria-labelledby="failed-title" data-testid="failed-calls">
      <div className="costs-failed-head">
        <h2 id="failed-title">Failed calls, last 30 days</h2>
        <span className="spacer" />
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <div className="costs-chips" role="group" aria-label="Filter failed calls">
        {chips.map((c) => (
          <button key={c.label} type="button" className="costs-chip" aria-pressed={sameFilter(c.filter, filter)} onClick={() => setFilter(c.filter)}>
            {c.label} <span className="costs-chip-n">{c.count}</span>
          </button>
        ))}
      </div>
      {calls.isError ? (
        <ErrorNote error={calls.error} retry={() => void calls.refetch()} />
      ) : !calls.data ? (
        <p className="muted">Loading failed calls…</p>
      ) : items.length === 0 ? (
        <p className="muted">No failed calls match this filter.</p>
      ) : (
        <ul className="costs-calls" aria-label="Failed calls, newest first">
          {items.map((c) => (
            <li key={c.id} className="costs-call" data-testid="failed-call" data-outcome={c.outcome}>
              <div className="costs-call-head">
                <time dateTime={c.at}>{new Date(c.at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' })}</time>
                <span className="pill">{c.task}</span>
                <span className="pill pill-down mono">{c.errorCode ?? c.outcome}</span>
                <span className="costs-call-target mono">{c.provider ? `${c.provider} / ${c.model ?? '—'}` : 'no provider'}</span>
              </div>
              <p className="costs-call-reason" data-testid="failed-reason">
                {c.reason ?? 'The call failed.'}
              </p>
              {c.sessionId && (
                <div className="muted small">
                  for session <Link href={`/sessions/${encodeURIComponent(c.sessionId)}`}>{c.sessionId}</Link>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {calls.hasNextPage && (
        <button type="button" onClick={() => void calls.fetchNextPage()} disabled={calls.isFetchingNextPage}>
          {calls.isFetchingNextPage ? 'Loading…' : `Show ${PAGE} more`}
        </button>
      )}
    </section>
  );
}
