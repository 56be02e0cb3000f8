import { useMemo, useState, type FormEvent } from 'react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { ApiError } from '@autopilot/client';
import { routes, type AuditEntry } from '@autopilot/contracts';
import { navigate, useLocation } from '../../app/router';
import { useApi, useMe } from '../../lib/api';
import { ago } from '../../lib/format';
import { ErrorNote } from '../../lib/ui';
import { auditFilterFrom, auditQueryOf, auditSearchOf, changeLine, changesOf, type AuditFilter } from './logic';
import { Checkpoints, VerifyPanel } from './VerifyPanel';
import './audit.css';

const PAGE = 50;
export const auditKeys = { all: ['audit'] as const, page: (f: AuditFilter) => ['audit', 'entries', f] as const, checkpoints: ['audit', 'checkpoints'] as const };

function Filters({ f }: { f: AuditFilter }) {
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const d = new FormData(e.currentTarget);
    const next = auditFilterFrom(new URLSearchParams([...d.entries()].map(([k, v]) => [k, String(v)])));
    navigate(`/audit${auditSearchOf(next)}`, { replace: true });
  }
  const filtered = Object.values(f).some(Boolean);
  return (
    <form className="card audit-filters" onSubmit={submit} aria-label="Filter the audit log" data-testid="audit-filters" key={auditSearchOf(f)}>
      <label>
        Actor
        <input name="actor" defaultValue={f.actor} placeholder="person, key:key_01J…" autoComplete="off" />
      </label>
      <label>
        Action
        <input name="action" defaultValue={f.action} placeholder="workspacesCreateKey" autoComplete="off" />
      </label>
      <label>
        Target
        <input name="target" defaultValue={f.target} placeholder="an id, or kind:id" autoComplete="off" />
      </label>
      <label>
        From
        <input name="from" type="date" defaultValue={f.from} />
      </label>
      <label>
        To
        <input name="to" type="date" defaultValue={f.to} />
      </label>
      <div className="audit-filter-actions">
        <button type="submit" className="primary">
          Filter
        </button>
        {filtered && (
          <button type="button" onClick={() => navigate('/audit', { replace: true })}>
            Clear
          </button>
        )}
      </div>
    </form>
  );
}

function ChangeCell({ e }: { e: AuditEntry }) {
  const [open, setOpen] = useState(false);
  const changes = useMemo(() => changesOf(e.before, e.after), [e.before, e.after]);
  if (changes.length === 0) return <span className="muted">—</span>;
  return (
    <>
      <button type="button" className="audit-change" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="audit-change">
        <span className="audit-toggle" aria-hidden="true">
          {open ? '▾' : '▸'}
        </span>
        {changeLine(changes)}
      </button>
      {open && (
        <table className="audit-diff" data-testid="audit-diff">
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
            </tr>
          </thead>
          <tbody>
            {changes.map((c) => (
              <tr key={c.field}>
                <th scope="row">{c.field}</th>
                <td className="was">{c.before ?? '∅'}</td>
                <td className="now">{c.after ?? '∅'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function EntryRow({ e }: { e: AuditEntry }) {
  const target = e.target ? `${e.target.kind} ${e.target.id}` : '';
  return (
    <tr data-testid="audit-entry" data-action={e.action} data-seq={e.seq} data-actor-kind={e.actor.kind}>
      <td className="audit-when" data-label="When">
        <span className="muted small">#{e.seq}</span>{' '}
        <time dateTime={e.at} title={new Date(e.at).toLocaleString()}>
          {ago(e.at)}
        </time>
      </td>
      <td data-label="Actor">
        <span className="audit-actor" title={`${e.actor.kind}:${e.actor.id}`}>
          <span className={`pill audit-kind audit-kind-${e.actor.kind}`} data-testid="audit-actor-kind">
            {e.actor.kind}
          </span>
          <span data-testid="audit-actor-name">{e.actor.name || e.actor.id}</span>
        </span>
      </td>
      <td data-label="Action" className="mono audit-wrap">
        {e.action}
      </td>
      <td data-label="Target" className="mono small audit-wrap">
        {target || <span className="muted">—</span>}
      </td>
      <td data-label="Request" className="mono small audit-wrap" data-testid="audit-request">
        {e.requestId ?? <span className="muted">—</span>}
      </td>
      <td data-label="Change" className="audit-wrap">
        <ChangeCell e={e} />
      </td>
    </tr>
  );
}

/** Where the page stops when the server refuses the caller (members, viewers): its own words, nothing broken. */
function Denied({ error }: { error: ApiError }) {
  return (
    <section className="audit-page" aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <p className="notice" role="alert" data-testid="audit-denied">
        {error.message}
      </p>
    </section>
  );
}

/** The audit log (the API lets admins and owners read it): who did what, filtered from the URL, newest first, the chain verified on demand. */
export function AuditPage() {
  const api = useApi();
  const me = useMe();
  const { query } = useLocation();
  const qs = query.toString();
  const f = useMemo(() => auditFilterFrom(new URLSearchParams(qs)), [qs]);
  const pages = useInfiniteQuery({
    queryKey: auditKeys.page(f),
    queryFn: ({ pageParam, signal }) => api.audit.list({ ...auditQueryOf(f), order: 'newest', limit: PAGE, cursor: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    retry: false,
  });
  if (pages.error instanceof ApiError && pages.error.status === 403) return <Denied error={pages.error} />;
  const items = pages.data?.pages.flatMap((p) => p.items) ?? [];
  const role = me.data?.key.role;
  const canCheckpoint = role === 'owner' || role === 'admin';
  return (
    <section className="audit-page" aria-labelledby="audit-title">
      <div className="page-head audit-head">
        <h1 id="audit-title">Audit log</h1>
        <span className="spacer" />
        {/* A plain link: the browser streams the file with the session cookie, however long the chain is. */}
        <a className="audit-export" href={routes.audit.export.path} download data-testid="audit-export">
          Download NDJSON export
        </a>
      </div>
      <p className="muted" style={{ margin: 0 }}>
        Every change in this workspace, by whom, in a hash chain: each entry holds the hash of the one before, so an edited, removed or inserted entry
        breaks the chain. Verify checks every link.
      </p>
      <VerifyPanel />
      <Filters f={f} />
      {pages.isError && !pages.data ? (
        <ErrorNote error={pages.error} retry={() => void pages.refetch()} />
      ) : !pages.data ? (
        <p className="muted">Loading entries…</p>
      ) : items.length === 0 ? (
        <p className="muted" data-testid="audit-empty">
          No entries{Object.values(f).some(Boolean) ? ' match these filters' : ' yet'}.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="table audit-table" data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Request</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <EntryRow key={e.seq} e={e} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pages.isFetchNextPageError && <ErrorNote error={pages.error} retry={() => void pages.fetchNextPage()} />}
      {pages.hasNextPage && (
        <div>
          <button type="button" onClick={() => void pages.fetchNextPage()} disabled={pages.isFetchingNextPage} data-testid="audit-more">
            {pages.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
      <Checkpoints canCheckpoint={canCheckpoint} />
    </section>
  );
}
