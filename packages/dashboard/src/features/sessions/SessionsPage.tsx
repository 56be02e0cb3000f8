import { useDeferredValue, useEffect, useMemo, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { Me } from '@autopilot/contracts';
import { KNOWN_SESSION_STATES } from '@autopilot/contracts';
import { navigate, useLocation } from '../../app/router';
import { ErrorNote } from '../../lib/ui';
import { Board } from './Board';
import { byUpdateDesc, filterSessions, groupByColumn, repoOf, stateLabel, type SessionFilter } from './columns';
import { CreateSessionDialog } from './CreateSessionDialog';
import { useSessionList } from './data';
import { stuckBy, useStuckMarks } from '../keeper/data';
import { SessionTable } from './Table';
import './sessions.css';

/** Writes one filter into the URL (replace, so filtering does not flood the back button). */
function setParam(query: URLSearchParams, key: string, value: string) {
  const next = new URLSearchParams(query);
  if (value) next.set(key, value);
  else next.delete(key);
  const qs = next.toString();
  navigate(`/sessions${qs ? `?${qs}` : ''}`, { replace: true });
}

/** The sessions page: board or table, filters kept in the URL, and the create dialog. */
export function SessionsPage() {
  const { query } = useLocation();
  const list = useSessionList();
  const stuckMarks = useStuckMarks();
  const [creating, setCreating] = useState(false);
  // Viewer keys are read-only: no create button or shortcut for them.
  const canCreate = useQueryClient().getQueryData<Me>(['me'])?.key.role !== 'viewer';
  const view = query.get('view') === 'table' ? 'table' : 'board';
  const filter: SessionFilter = { state: query.get('state') ?? '', source: query.get('source') ?? '', text: query.get('q') ?? '' };
  const [text, setText] = useState(filter.text);
  // Typing filters 10,000 sessions per keystroke: deferring keeps the input responsive.
  const deferredText = useDeferredValue(text);

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

  const items = list.data?.items;
  const filtered = useMemo(() => (items ? filterSessions(items, { ...filter, text: deferredText }) : []), [items, filter.state, filter.source, deferredText]);
  const groups = useMemo(() => groupByColumn(filtered, stuckBy(stuckMarks.data)), [filtered, stuckMarks.data]);
  const tableItems = useMemo(() => (view === 'table' ? filtered.slice().sort(byUpdateDesc) : []), [filtered, view]);
  const sources = useMemo(() => [...new Set((items ?? []).map((s) => s.source).filter((s): s is string => !!s))].sort(), [items]);

  return (
    <section className="sessions-page">
      <div className="page-head">
        <h1>Sessions</h1>
        <span className="muted" data-testid="session-total">
          {list.data ? `${filtered.length} of ${list.data.items.length}${list.data.complete ? '' : '…'}` : ''}
        </span>
        <span className="spacer" />
        <div className="segmented" role="group" aria-label="View">
          <button type="button" aria-pressed={view === 'board'} onClick={() => setParam(query, 'view', '')}>
            Board
          </button>
          <button type="button" aria-pressed={view === 'table'} onClick={() => setParam(query, 'view', 'table')}>
            Table
          </button>
        </div>
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
            setParam(query, 'q', e.target.value);
          }}
        />
        <label className="sr-only" htmlFor="filter-state">
          State
        </label>
        <select id="filter-state" value={filter.state} onChange={(e) => setParam(query, 'state', e.target.value)}>
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
        <select id="filter-source" value={filter.source} onChange={(e) => setParam(query, 'source', e.target.value)}>
          <option value="">All repositories</option>
          {sources.map((s) => (
            <option key={s} value={s}>
              {repoOf(s)}
            </option>
          ))}
        </select>
      </div>
      {list.isPending ? (
        <p className="muted">Loading sessions…</p>
      ) : list.isError ? (
        <ErrorNote error={list.error} retry={() => void list.refetch()} />
      ) : view === 'board' ? (
        <Board groups={groups} />
      ) : (
        <SessionTable items={tableItems} />
      )}
      <CreateSessionDialog open={creating} onClose={() => setCreating(false)} sources={sources} />
    </section>
  );
}
