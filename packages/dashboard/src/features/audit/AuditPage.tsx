import { useMemo, useState, type FormEvent } from 'react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { navigate, useLocation } from '../../app/router';
import { useApi, useMe } from '../../lib/api';
import { ago } from '../../lib/format';
import { ErrorNote } from '../../lib/ui';
import { auditFilterFrom, auditQueryOf, auditSearchOf, changeLine, changesOf, type AuditFilter } from './logic';
import { Checkpoints, VerifyPanel } from './VerifyPanel';
import type { AuditEntry } from './types';
import { auditCalls, hasAuditApi } from './data';
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
        <input name="actor" defaultValue={f.actor} placeholder="a name or key:…" autoComplete="off" />
      </label>
      <label>
        Action
        <input name="action" defaultValue={f.action} placeholder="workspacesCreateKey" autoComplete="off" />
      </label>
      <label>
        Target
        <input name="target" defaultValue={f.target} placeholder="an id" autoComplete="off" />
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
        <table className="audit-diff">
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
  const target = e.target ? [e.target.kind, e.target.id].filter(Boolean).join(' ') : '';
  return (
    <tr data-testid="audit-entry" data-action={e.action} data-seq={e.seq}>
      <td className="audit-when" data-label="When" title={new Date(e.at).toLocaleString()}>
        <span className="muted small">#{e.seq}</span> {ago(e.at)}
      </td>
      <td data-label="Actor">
        <span className="audit-actor">
          <span className={`pill audit-kind audit-kind-${e.actor.kind}`}>{e.actor.kind}</span>
          <span>{e.actor.name ?? e.actor.id}</span>
        </span>
      </td>
      <td data-label="Action" className="mono">
        {e.action}
      </td>
      <td data-label="Target" className="mono small">
        {target || <span className="muted">—</span>}
      </td>
      <td data-label="Change">
        <ChangeCell e={e} />
      </td>
    </tr>
  );
}

/** The audit log (admins and owners): who did what, filtered from the URL, newest first, the chain verified on demand. */
export function AuditPage() {
  const api = useApi();
  const me = useMe();
  const { query } = useLocation();
  const qs = query.toString();
  const f = useMemo(() => auditFilterFrom(new URLSearchParams(qs)), [qs]);
  const admin = me.data ? me.data.key.role === 'owner' || me.data.key.role === 'admin' : true;
  const pages = useInfiniteQuery({
    queryKey: auditKeys.page(f),
    queryFn: ({ pageParam, signal }) => auditCalls(api).list({ ...auditQueryOf(f), limit: PAGE, cursor: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: admin && hasAuditApi(),
    retry: false,
  });
  const items = pages.data?.pages.flatMap((p) => p.items) ?? [];
  if (!hasAuditApi())
    return (
      <section className="audit-page">
        <h1>Audit log</h1>
        <p className="notice">This server does not record an audit trail yet.</p>
      </section>
    );
  if (!admin)
    return (
      <section className="audit-page">
        <h1>Audit log</h1>
        <p className="notice">Only admins and owners can read the audit log.</p>
      </section>
    );
  return (
    <section className="audit-page" aria-labelledby="audit-title">
      <div className="page-head">
        <h1 id="audit-title">Audit log</h1>
      </div>
      <p className="muted" style={{ margin: 0 }}>
        Every change in this workspace, by whom, in a hash chain: each entry holds the hash of the one before, so an edited, removed or inserted entry
        breaks the chain. Verify checks every link.
      </p>
      <VerifyPanel />
      <Filters f={f} />
      {pages.isError ? (
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
      {pages.hasNextPage && (
        <div>
          <button type="button" onClick={() => void pages.fetchNextPage()} disabled={pages.isFetchingNextPage}>
            {pages.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
      <Checkpoints />
    </section>
  );
}
