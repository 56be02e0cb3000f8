import { useMemo } from 'react';
import type { Template } from '@autopilot/contracts';
import { Link, navigate, useLocation } from '../../app/router';
import { useMe } from '../../lib/api';
import { ago } from '../../lib/format';
import { ErrorNote } from '../../lib/ui';
import '../settings/settings-pages.css';
import { useTemplate, useTemplates } from './data';
import { TemplateEditor } from './TemplateEditor';
import './templates.css';

/** Every tag of the templates, once, sorted. */
const tagsOf = (ts: readonly Template[]) => [...new Set(ts.flatMap((t) => t.tags))].sort();

function TemplateList({ canEdit }: { canEdit: boolean }) {
  const { query } = useLocation();
  const tag = query.get('tag') ?? '';
  const list = useTemplates();
  const all = useMemo(() => list.data ?? [], [list.data]);
  const tags = useMemo(() => tagsOf(all), [all]);
  const shown = tag ? all.filter((t) => t.tags.includes(tag)) : all;
  return (
    <section className="st-section">
      <div className="page-head">
        <h1>Templates</h1>
        <span className="spacer" />
        {tags.length > 0 && (
          <>
            <label className="sr-only" htmlFor="tpl-tag-filter">
              Tag
            </label>
            <select id="tpl-tag-filter" value={tag} onChange={(e) => navigate(`/templates${e.target.value ? `?tag=${encodeURIComponent(e.target.value)}` : ''}`, { replace: true })}>
              <option value="">All tags</option>
              {tags.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </>
        )}
        {canEdit && (
          <button type="button" className="primary" onClick={() => navigate('/templates/new')}>
            New template
          </button>
        )}
      </div>
      <p className="st-lead">Reusable ways to start sessions: a prompt with typed {'{{variables}}'}, its repositories and options. Launch one over many repositories, or let a schedule launch it.</p>
      {list.isError && <ErrorNote error={list.error} retry={() => void list.refetch()} />}
      {list.isLoading && <p className="st-muted">Loading…</p>}
      {list.data && shown.length === 0 && <p className="st-note">{tag ? `No template tagged ${tag}.` : 'No template yet: start one with New template.'}</p>}
      {shown.length > 0 && (
        <ul className="st-list" aria-label="Templates">
          {shown.map((t) => (
            <li key={t.id} className="st-item" data-testid="template-row">
              <div className="st-item-head">
                <Link href={`/templates/${encodeURIComponent(t.id)}`}>
                  <strong>{t.name}</strong>
                </Link>
                {t.tags.map((x) => (
                  <span key={x} className="pill">
                    {x}
                  </span>
                ))}
                <span className="st-grow" />
                <span className="st-muted" title={t.updatedAt}>
                  updated {ago(t.updatedAt)}
                </span>
              </div>
              {t.description && <p className="st-muted st-wrap tp-desc">{t.description}</p>}
              <p className="st-hint">
                {t.variables.length === 0 ? 'No variables' : `Variables: ${t.variables.map((v) => v.name).join(', ')}`}
                {t.sources.length > 0 ? ` · ${t.sources.length} repositor${t.sources.length === 1 ? 'y' : 'ies'}` : ''}
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function EditPage({ id, canEdit }: { id: string; canEdit: boolean }) {
  const isNew = id === 'new';
  const t = useTemplate(isNew ? undefined : id);
  return (
    <section className="st-section">
      <div className="page-head">
        <Link href="/templates">← Templates</Link>
        <h1 className="st-wrap">{isNew ? 'New template' : (t.data?.name ?? 'Template')}</h1>
      </div>
      {t.isError && <ErrorNote error={t.error} retry={() => void t.refetch()} />}
      {!isNew && t.isLoading && <p className="st-muted">Loading…</p>}
      {!canEdit && <p className="st-note">Viewers can read templates and try values; changing them needs a member.</p>}
      {(isNew || t.data) && <TemplateEditor saved={isNew ? undefined : t.data} canEdit={canEdit} />}
    </section>
  );
}

/** Templates: the list (filter by tag, kept in the URL), or one template's editor with its live preview ("new": a blank one). */
export function TemplatesPage({ id }: { id?: string }) {
  const me = useMe();
  const canEdit = (me.data?.key.role ?? 'viewer') !== 'viewer';
  return id ? <EditPage id={id} canEdit={canEdit} /> : <TemplateList canEdit={canEdit} />;
}
