import { useMemo, useRef, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { SessionSummary, type Me, type SessionDetail } from '@autopilot/contracts';
import { Link } from '../../app/router';
import { useApi } from '../../lib/api';
import { ago } from '../../lib/format';
import { useToast } from '../../lib/toasts';
import { ErrorNote } from '../../lib/ui';
import { allChangeSets, latestPlan, planApproved, pullRequestOf } from './activity';
import { repoOf } from './columns';
import { activitiesKey, sessionKey, upsertSession } from './data';
import { DiffView } from './diff/DiffView';
import { PlanView } from './PlanView';
import { StatePill } from './SessionCard';
import { Timeline } from './Timeline';
import { KeeperPanel } from '../keeper/KeeperPanel';
import './sessions.css';

/** One session: facts, plan with Approve, message box, diff viewer and the activity timeline, all live. */
export function SessionDetailPage({ id }: { id: string }) {
  const api = useApi();
  const qc = useQueryClient();
  const toast = useToast();
  const session = useQuery({ queryKey: sessionKey(id), queryFn: ({ signal }) => api.sessions.get(id, signal) });
  const acts = useQuery({ queryKey: activitiesKey(id), queryFn: ({ signal }) => api.sessions.allActivities(id, signal) });
  const me = qc.getQueryData<Me>(['me']);
  const canAct = me?.key.role !== 'viewer';
  const [changeKey, setChangeKey] = useState<string | null>(null);
  const diffRef = useRef<HTMLDivElement>(null);
  const [message, setMessage] = useState('');

  const applied = (s: SessionDetail) => {
    qc.setQueryData(sessionKey(id), s);
    upsertSession(qc, SessionSummary.parse(s));
    void qc.invalidateQueries({ queryKey: activitiesKey(id) });
  };
  const failed = (what: string) => (err: Error) => toast({ title: `Could not ${what}`, body: err.message, level: 'error' });
  const approve = useMutation({ mutationFn: () => api.sessions.approvePlan(id), onSuccess: applied, onError: failed('approve the plan') });
  const send = useMutation({
    mutationFn: (text: string) => api.sessions.sendMessage(id, text),
    onSuccess: (s) => {
      setMessage('');
      applied(s);
    },
    onError: failed('send the message'),
  });
  const archive = useMutation({ mutationFn: () => api.sessions.archive(id), onSuccess: applied, onError: failed('archive the session') });
  const unarchive = useMutation({ mutationFn: () => api.sessions.unarchive(id), onSuccess: applied, onError: failed('unarchive the session') });

  const activities = useMemo(() => acts.data ?? [], [acts.data]);
  const plan = useMemo(() => latestPlan(activities), [activities]);
  const changeSets = useMemo(() => allChangeSets(session.data, activities), [session.data, activities]);

  if (session.isPending) return <p className="muted">Loading session…</p>;
  if (session.isError) return <ErrorNote error={session.error} retry={() => void session.refetch()} />;
  const s = session.data;
  const pr = pullRequestOf(s);
  const awaiting = s.state === 'AWAITING_PLAN_APPROVAL';
  const selected = changeSets.find((c) => c.key === changeKey) ?? changeSets[0];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (message.trim()) send.mutate(message.trim());
  };
  const showChanges = (key: string) => {
    setChangeKey(key);
    requestAnimationFrame(() => diffRef.current?.scrollIntoView({ behavior: 'smooth', block: 'start' }));
  };

  return (
    <article className="session-detail" data-testid="session-detail">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link href="/sessions">Sessions</Link> / <span className="mono">{s.id}</span>
      </nav>
      <div className="page-head">
        <h1>{s.title || 'Untitled session'}</h1>
        <StatePill state={s.state} />
        {s.archived && <span className="pill">archived</span>}
        <span className="spacer" />
        {canAct &&
          (s.archived ? (
            <button type="button" onClick={() => unarchive.mutate()} disabled={unarchive.isPending}>
              Unarchive
            </button>
          ) : (
            <button type="button" onClick={() => archive.mutate()} disabled={archive.isPending}>
              Archive
            </button>
          ))}
      </div>
      <dl className="facts">
        <div>
          <dt>Repository</dt>
          <dd>{repoOf(s.source)}</dd>
        </div>
        <div>
          <dt>Branch</dt>
          <dd className="mono">{s.workingBranch ?? s.startingBranch ?? '—'}</dd>
        </div>
        <div>
          <dt>Pull request</dt>
          <dd>
            {pr ? (
              <a href={pr.url} target="_blank" rel="noreferrer" data-testid="pr-link">
                {pr.title ?? pr.url}
              </a>
            ) : (
              '—'
            )}
          </dd>
        </div>
        <div>
          <dt>Updated</dt>
          <dd title={s.updateTime}>{ago(s.updateTime)}</dd>
        </div>
        {s.url && (
          <div>
            <dt>Jules</dt>
            <dd>
              <a href={s.url} target="_blank" rel="noreferrer">
                Open in Jules
              </a>
            </dd>
          </div>
        )}
      </dl>
      <details className="prompt">
        <summary>Prompt</summary>
        <p className="prewrap">{s.prompt}</p>
      </details>

      <KeeperPanel sessionId={s.id} canAct={canAct} />

      {plan && <PlanView plan={plan} awaiting={awaiting} approved={planApproved(activities, plan)} canAct={canAct} busy={approve.isPending} onApprove={() => approve.mutate()} />}

      {canAct && (
        <form className="card panel message-box" onSubmit={submit} aria-label="Message Jules">
          <label htmlFor="message">{s.state === 'AWAITING_USER_FEEDBACK' ? 'Jules is waiting for your answer' : 'Message Jules'}</label>
          <textarea
            id="message"
            rows={3}
            value={message}
            onChange={(e) => setMessage(e.target.value)}
            onKeyDown={(e) => {
              // Ctrl/Cmd+Enter sends, the way chat boxes do; plain Enter keeps adding lines.
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) submit(e);
            }}
            placeholder="Answer a question or give new instructions (Ctrl+Enter to send)"
          />
          <div className="form-actions">
            <button type="submit" className="primary" disabled={send.isPending || !message.trim()}>
              {send.isPending ? 'Sending…' : 'Send'}
            </button>
          </div>
        </form>
      )}

      {selected && (
        <section className="card panel" ref={diffRef} aria-label="Code changes">
          {changeSets.length > 1 && (
            <div className="panel-head">
              <label htmlFor="changeset">Change set</label>
              <select id="changeset" value={selected.key} onChange={(e) => setChangeKey(e.target.value)}>
                {changeSets.map((c) => (
                  <option key={c.key} value={c.key}>
                    {c.label}
                  </option>
                ))}
              </select>
            </div>
          )}
          <DiffView patch={selected.patch} title={selected.commitMessage?.split('\n')[0]} />
        </section>
      )}

      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">Activity</h2>
        {acts.isPending ? <p className="muted">Loading activity…</p> : acts.isError ? <ErrorNote error={acts.error} retry={() => void acts.refetch()} /> : <Timeline activities={activities} onShowChanges={showChanges} />}
      </section>
    </article>
  );
}
