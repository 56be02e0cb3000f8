import { useMemo, useState } from 'react';
import type { Notice } from '@autopilot/contracts';
import { navigate, useLocation } from '../../app/router';
import { useMe } from '../../lib/api';
import { ErrorNote } from '../../lib/ui';
import { BrowserToggle } from './BrowserToggle';
import { useNoticeActions, useNoticePages, useRecentNotices } from './data';
import { bulkBody, EMPTY_FILTER, filterFrom, searchOf, SEVERITIES, SEVERITY, SOURCES, VIEWS, type NoticeFilter } from './logic';
import { NoticeChart } from './NoticeChart';
import { NoticeItem } from './NoticeItem';
import './inbox.css';

const VIEW_LABEL: Record<NoticeFilter['view'], string> = { inbox: 'Inbox', unread: 'Unread', snoozed: 'Snoozed', dismissed: 'Dismissed', all: 'All' };
const EMPTY_TEXT: Record<NoticeFilter['view'], string> = {
  inbox: 'Nothing needs you. Held plans, questions, failures and budgets show up here.',
  unread: 'Everything is read.',
  snoozed: 'Nothing is snoozed.',
  dismissed: 'Nothing was dismissed.',
  all: 'No notifications yet.',
};

function Filters({ f }: { f: NoticeFilter }) {
  const [repo, setRepo] = useState(f.repo);
  const apply = (next: NoticeFilter) => navigate(`/notifications${searchOf(next)}`, { replace: true });
  return (
    <form
      className="ntc-filters card"
      aria-label="Filter notifications"
      onSubmit={(e) => {
        e.preventDefault();
        apply({ ...f, repo: repo.trim() });
      }}
    >
      <div>
        <label htmlFor="ntc-view">Show</label>
        <select id="ntc-view" value={f.view} onChange={(e) => apply({ ...f, view: e.target.value as NoticeFilter['view'] })}>
          {VIEWS.map((v) => (
            <option key={v} value={v}>
              {VIEW_LABEL[v]}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="ntc-severity">Severity</label>
        <select id="ntc-severity" value={f.severity} onChange={(e) => apply({ ...f, severity: e.target.value as NoticeFilter['severity'] })}>
          <option value="">Any</option>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {SEVERITY[s].label}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="ntc-source">Source</label>
        <select id="ntc-source" value={f.source} onChange={(e) => apply({ ...f, source: e.target.value as NoticeFilter['source'] })}>
          <option value="">Any</option>
          {SOURCES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="ntc-repo">Repository</label>
        <input id="ntc-repo" placeholder="owner/name" autoComplete="off" value={repo} onChange={(e) => setRepo(e.target.value)} onBlur={() => repo.trim() !== f.repo && apply({ ...f, repo: repo.trim() })} />
      </div>
      {searchOf(f) && (
        <button type="button" className="ghost" onClick={() => apply(EMPTY_FILTER)}>
          Clear filters
        </button>
      )}
    </form>
  );
}

function BulkBar({ f, selected, clear, shown }: { f: NoticeFilter; selected: string[]; clear: () => void; shown: number }) {
  const { bulk, busy } = useNoticeActions();
  const [confirmAll, setConfirmAll] = useState<null | 'read' | 'dismissed'>(null);
  const run = (target: string[] | 'all', change: { read?: boolean; dismissed?: boolean }) => bulk.mutate(bulkBody(target, f, change), { onSuccess: () => (clear(), setConfirmAll(null)) });
  return (
    <div className="ntc-bulk" role="toolbar" aria-label="Change several notifications">
      <span className="muted small" aria-live="polite">
        {selected.length ? `${selected.length} selected` : `${shown} shown`}
      </span>
      <button type="button" className="ntc-btn" disabled={busy || !selected.length} onClick={() => run(selected, { read: true })}>
        Mark read
      </button>
      <button type="button" className="ntc-btn" disabled={busy || !selected.length} onClick={() => run(selected, { dismissed: true })}>
        Dismiss
      </button>
      {confirmAll ? (
        <span className="ntc-confirm">
          <span className="small">{confirmAll === 'read' ? 'Mark read' : 'Dismiss'} every notification matching these filters?</span>
          <button type="button" className="ntc-btn danger" disabled={busy} onClick={() => run('all', confirmAll === 'read' ? { read: true } : { dismissed: true })}>
            Yes, all matching
          </button>
          <button type="button" className="ntc-btn" onClick={() => setConfirmAll(null)}>
            Cancel
          </button>
        </span>
      ) : (
        <>
          <button type="button" className="ntc-btn" disabled={busy || !shown} onClick={() => setConfirmAll('read')}>
            Mark all matching read…
          </button>
          {f.view !== 'dismissed' && (
            <button type="button" className="ntc-btn" disabled={busy || !shown} onClick={() => setConfirmAll('dismissed')}>
              Dismiss all matching…
            </button>
          )}
        </>
      )}
    </div>
  );
}

/** Every notification of the workspace: filters in the URL, bulk changes, "Load more", a chart, the browser opt-in. */
export function NotificationsPage() {
  const { query } = useLocation();
  const qs = query.toString();
  const f = useMemo(() => filterFrom(new URLSearchParams(qs)), [qs]);
  const me = useMe();
  const canAct = !!me.data && me.data.key.role !== 'viewer';
  const pages = useNoticePages(f);
  const recent = useRecentNotices();
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const items: Notice[] = pages.data?.pages.flatMap((p) => p.items) ?? [];
  const selected = items.filter((n) => picked.has(n.id)).map((n) => n.id);
  const toggle = (id: string, on: boolean) =>
    setPicked((s) => {
      const next = new Set(s);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const allPicked = items.length > 0 && selected.length === items.length;
  return (
    <section className="ntc-page" data-testid="notifications-page">
      <div className="page-head">
        <h1>Notifications</h1>
        {pages.data && <span className="muted">{pages.data.pages[0]?.unread ?? 0} unread</span>}
      </div>
      <BrowserToggle />
      {recent.data && <NoticeChart items={recent.data.items} />}
      <Filters key={searchOf(f)} f={f} />
      {canAct && items.length > 0 && (
        <div className="ntc-select-row">
          <label className="ntc-select-all">
            <input type="checkbox" checked={allPicked} onChange={(e) => setPicked(e.target.checked ? new Set(items.map((n) => n.id)) : new Set())} /> Select all shown
          </label>
          <BulkBar f={f} selected={selected} clear={() => setPicked(new Set())} shown={items.length} />
        </div>
      )}
      {pages.isError && <ErrorNote error={pages.error} retry={() => void pages.refetch()} />}
      {pages.isPending && <p className="muted">Loading…</p>}
      {pages.data && items.length === 0 && (
        <div className="card ntc-empty" data-testid="notifications-empty">
          <p>{searchOf({ ...f, view: 'inbox' }) ? 'No notification matches these filters.' : EMPTY_TEXT[f.view]}</p>
        </div>
      )}
      <ul className="ntc-list" data-testid="notifications-list" aria-label="Notifications">
        {items.map((n) => (
          <NoticeItem key={n.id} n={n} canAct={canAct} selectable={canAct ? { checked: picked.has(n.id), onChange: (v) => toggle(n.id, v) } : undefined} />
        ))}
      </ul>
      {pages.hasNextPage && (
        <button type="button" onClick={() => void pages.fetchNextPage()} disabled={pages.isFetchingNextPage}>
          {pages.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}
    </section>
  );
}
