import { useState } from 'react';
import type { Me } from '@autopilot/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { Link, navigate, useLocation } from '../../app/router';
import { ago } from '../../lib/format';
import { ErrorNote } from '../../lib/ui';
import '../settings/settings-pages.css';
import { BatchDialog } from './BatchDialog';
import { ProgressBar } from './BatchProgress';
import { useBatches, type BatchStateFilter } from './data';
import './batches.css';

const STATES: { value: BatchStateFilter; label: string }[] = [
  { value: '', label: 'All states' },
  { value: 'running', label: 'Running' },
  { value: 'done', label: 'Done' },
  { value: 'cancelled', label: 'Cancelled' },
];
const asFilter = (s: string | null): BatchStateFilter => (s === 'running' || s === 'done' || s === 'cancelled' ? s : '');

/** Batches: every batch, newest first, with a mini progress bar; filter by state (kept in the URL); New batch. */
export function BatchesPage() {
  const { query } = useLocation();
  const state = asFilter(query.get('state'));
  const batches = useBatches(state);
  const [creating, setCreating] = useState(false);
  const canCreate = useQueryClient().getQueryData<Me>(['me'])?.key.role !== 'viewer';
  const items = batches.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section className="st-section">
      <div className="page-head">
        <h1>Batches</h1>
        <span className="spacer" />
        <label className="sr-only" htmlFor="batch-state-filter">
          State
        </label>
        <select id="batch-state-filter" value={state} onChange={(e) => navigate(`/batches${e.target.value ? `?state=${e.target.value}` : ''}`, { replace: true })}>
          {STATES.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
        {canCreate && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New batch
          </button>
        )}
      </div>
      <p className="st-lead">Many sessions at once: one prompt or template over many repositories, or a task list. Each waits for a free slot of its Jules account.</p>
      {batches.isError && <ErrorNote error={batches.error} retry={() => void batches.refetch()} />}
      {batches.isLoading && <p className="st-muted">Loading…</p>}
      {batches.data && items.length === 0 && <p className="st-note">{state ? `No ${state} batch.` : 'No batch yet: start one with New batch.'}</p>}
      {items.length > 0 && (
        <ul className="bt-list" aria-label="Batches">
          {items.map((b) => (
            <li key={b.id} className="bt-row" data-testid="batch-row">
              <Link href={`/batches/${encodeURIComponent(b.id)}`}>{b.name}</Link>
              <span className={`pill${b.state === 'done' ? ' pill-ok' : b.state === 'running' ? ' pill-degraded' : ''}`}>{b.state}</span>
              <ProgressBar counts={b.counts} compact label={`Progress of ${b.name}`} />
              <span className="st-muted" title={b.createdAt}>
                {ago(b.createdAt)}
              </span>
            </li>
          ))}
        </ul>
      )}
      {batches.hasNextPage && (
        <div className="st-actions start">
          <button type="button" onClick={() => void batches.fetchNextPage()} disabled={batches.isFetchingNextPage}>
            {batches.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
      <BatchDialog open={creating} onClose={() => setCreating(false)} />
    </section>
  );
}
