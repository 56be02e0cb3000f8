import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { Me } from '@autopilot/contracts';
import { KNOWN_SESSION_STATES } from '@autopilot/contracts';
import { navigate, useLocation } from '../../app/router';
import { ErrorNote } from '../../lib/ui';
import { Board } from './Board';
import type { BoardQuery } from './board.cache';
import { repoOf, stateLabel, type SessionFilter } from './columns';
import { CreateSessionDialog } from './CreateSessionDialog';
import { useBoardCounts } from './data';
import { useStuckMarks } from '../keeper/data';
import { SessionTable } from './Table';
import './sessions.css';

// The batch dialog loads when first opened: the board ships in the main bundle, the dialog need not.
const BatchDialog = lazy(() => import('../batches/BatchDialog').then((m) => ({ default: m.BatchDialog })));

/** Writes one filter into the URL (replace, so filtering does not flood the back button). */
function setParam(query: URLSearchParams, key: string, value: string) {
  const next = new URLSearchParams(query);
  if (value) next.set(key, value);
  else next.delete(key);
  const qs = next.toString();
  navigate(`/sessions${qs ? `?${qs}` : ''}`, { replace: true });
}

/** `value`, once it has stopped changing for `ms` (typing asks the server once per pause, not per key). */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}

/** The sessions page: board or table, filters kept in the URL, and the create dialog. */
export function SessionsPage() {
  const { query: params } = useLocation();
  // Loaded for live updates: the board's rule places a session that turns stuck (board.cache.ts).
  useStuckMarks();
  const [creating, setCreating] = useState(false);
  const [batching, setBatching] = useState(false);
  // Viewer keys are read-only: no create button or shortcut for them.
  const canCreate = useQueryClient().getQueryData<Me>(['me'])?.key.role !== 'viewer';
  const view = params.get('view') === 'table' ? 'table' : 'board';
  const filter: SessionFilter = { state: params.get('state') ?? '', source: params.get('source') ?? '', text: params.get('q') ?? '' };
  const [text, setText] = useState(filter.text);
  const settledText = useSettled(text.trim(), 250);
  // The server filters: one object per distinct filter, so each keeps its own cached counts and pages.
  const query = useMemo<BoardQuery>(
    () => ({ ...(filter.state && { state: filter.state }), ...(filter.source && { source: filter.source }), ...(settledText && { text: settledText }) }),
    [filter.state, filter.source, settledText],
  );
  const counts = useBoardCounts(query);
  // The unfiltered total for "n of m" (the same query as `counts` when nothing is filtered).
  const all = useBoardCounts({});

  // "/" jumps to the search box and "n" opens the create dialog, unless the user is typing somewhere.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (e.ctrlKey || e.metaKey || e.altKey || (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)))) return;
      if (e.key === '/') {
        e.preventDefault();
        document.getElementById('filter-text')?.focus();
      } else if (e.key === 'n' && canCreate) {
        e.preventDefault();
        setCreating(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [canCreate]);

  const sources = all.data?.sources ?? [];

  return (
    <section className="sessions-page">
      <div className="page-head">
        <h1>Sessions</h1>
        <span className="muted" data-testid="session-total">
          {counts.data && all.data ? `${counts.data.total} of ${all.data.total}` : ''}
        </span>
        <span className="spacer" />
        <div className="segmented" role="group" aria-label="View">
          <button type="button" aria-pressed={view === 'board'} onClick={() => setParam(params, 'view', '')}>
            Board
          </button>
          <button type="button" aria-pressed={view === 'table'} onClick={() => setParam(params, 'view', 'table')}>
            Table
          </button>
        </div>
        {canCreate && (
          <button type="button" onClick={() => setBatching(true)}>
            New batch
          </button>
        )}
        {canCreate && (
          <button type="button" className="primary" onClick={() => setCreating(true)} aria-keyshortcuts="n" title="New session (n)">
            New session
          </button>
        )}
      </div>
      <div className="filters" role="search">
        <label className="sr-only" htmlFor="filter-text">
          Search sessions
        </label>
        <input
          id="filter-text"
          type="search"
          placeholder="Search title or prompt (press /)"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setParam(params, 'q', e.target.value);
          }}
        />
        <label className="sr-only" htmlFor="filter-state">
          State
        </label>
        <select id="filter-state" value={filter.state} onChange={(e) => setParam(params, 'state', e.target.value)}>
          <option value="">All states</option>
          {KNOWN_SESSION_STATES.map((s) => (
            <option key={s} value={s}>
              {stateLabel(s)}
            </option>
          ))}
        </select>
        <label className="sr-only" htmlFor="filter-source">
          Repository
        </label>
        <select id="filter-source" value={filter.source} onChange={(e) => setParam(params, 'source', e.target.value)}>
          <option value="">All repositories</option>
          {sources.map((s) => (
            <option key={s} value={s}>
              {repoOf(s)}
            </option>
          ))}
        </select>
      </div>
      {counts.isError ? (
        <ErrorNote error={counts.error} retry={() => void counts.refetch()} />
      ) : view === 'board' ? (
        <Board filter={query} counts={counts.data} />
      ) : (
        <SessionTable filter={query} total={counts.data?.total} />
      )}
      <CreateSessionDialog open={creating} onClose={() => setCreating(false)} sources={sources} />
      {batching && (
        <Suspense fallback={null}>
          <BatchDialog open onClose={() => setBatching(false)} />
        </Suspense>
      )}
    </section>
  );
}
