import { useMemo, useRef, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { SessionSummary, type Me, type SessionDetail } from '@autopilot/contracts';
import { ApiError } from '@autopilot/client';
import { Link } from '../../app/router';
import { useApi } from '../../lib/api';
import { ago } from '../../lib/format';
import { useToast } from '../../lib/toasts';
import { ErrorNote } from '../../lib/ui';
import { allChangeSets, latestPlan, planApproved, pullRequestOf } from './activity';
import { repoOf } from './columns';
import { activitiesKey, julesKeys, sessionKey, upsertSession } from './data';
import { DiffView } from './diff/DiffView';
import { PlanView } from './PlanView';
import { StatePill } from './SessionCard';
import { Timeline } from './Timeline';
import { ActionLine, KeeperPanel } from '../keeper/KeeperPanel';
import { PullPanel } from '../github/PullPanel';
import { keeperKeys } from '../keeper/data';
import { NotificationItem } from '../keeper/Notifications';
import './sessions.css';

/**
 * A session that is not (or no longer) in this workspace: what the keeper's ledger and notifications still know
 * (title, what the keeper did and when), or a plain "not found" when they know nothing either.
 */
function GoneSession({ id }: { id: string }) {
  const api = useApi();
  const qc = useQueryClient();
  const me = qc.getQueryData<Me>(['me']);
  const known = useQuery({ queryKey: keeperKeys.session(id), queryFn: ({ signal }) => api.keeper.session(id, signal), retry: false });
  const notes = useQuery({
    queryKey: [...keeperKeys.notifications, 'session', id],
    queryFn: ({ signal }) => api.keeper.notifications({ status: 'all', sessionId: id, limit: 20 }, signal),
    retry: false,
    enabled: !!known.data?.gone,
  });
  const crumbs = (
    <nav className="crumbs" aria-label="Breadcrumb">
      <Link href="/sessions">Sessions</Link> / <span className="mono">{id}</span>
    </nav>
  );
  if (known.isPending) return <p className="muted">Loading session…</p>;
  if (known.isError && !(known.error instanceof ApiError && known.error.status === 404)) return <ErrorNote error={known.error} retry={() => void known.refetch()} />;
  if (!known.data?.gone) {
    return (
      <article className="gone-session" data-testid="session-unknown">
        {crumbs}
        <h1>Session not found</h1>
        <p>There is no session with this id in this workspace.</p>
        <p>
          <Link href="/sessions">Back to the sessions</Link>
        </p>
      </article>
    );
  }
  const k = known.data;
  return (
    <article className="gone-session" data-testid="session-gone">
      {crumbs}
      <div className="page-head">
        <h1>{k.title || 'Untitled session'}</h1>
        <span className="pill">gone</span>
      </div>
      <p className="notice">This session no longer exists on Jules (or was removed from this workspace). What is shown below is what the keeper recorded about it.</p>
      <dl className="facts">
        <div>
          <dt>Id</dt>
          <dd className="mono">{id}</dd>
        </div>
        <div>
          <dt>Repository</dt>
          <dd>{k.source ? repoOf(k.source) : '—'}</dd>
        </div>
        <div>
          <dt>Keeper actions</dt>
          <dd>
            {k.actions.length} (nudges {k.nudges} · answers {k.answers} · heals {k.heals} · continues {k.continues})
          </dd>
        </div>
        {k.actions[0] && (
          <div>
            <dt>Last keeper action</dt>
            <dd title={k.actions[0].createdAt}>{ago(k.actions[0].createdAt)}</dd>
          </div>
        )}
      </dl>
      {k.links.length > 0 && (
        <section className="card panel" aria-label="Linked sessions">
          <h2>Linked sessions</h2>
          <ul>
            {k.links.map((l) => (
              <li key={l.actionId}>
                {l.relation === 'recovered_as' ? 'Recovered as ' : 'Recovery of '}
                <Link href={`/sessions/${encodeURIComponent(l.sessionId)}`} className="mono">
                  {l.sessionId}
                </Link>
              </li>
            ))}
          </ul>
        </section>
      )}
      {k.actions.length > 0 && (
        <section className="card panel" aria-labelledby="gone-actions">
          <h2 id="gone-actions">What the keeper did</h2>
          <ul className="kactions">
            {k.actions.map((a) => (
              <ActionLine key={a.id} a={a} />
            ))}
          </ul>
        </section>
      )}
      {notes.data && notes.data.items.length > 0 && (
        <section className="card panel" aria-labelledby="gone-notes">
          <h2 id="gone-notes">Notifications</h2>
          <ul className="notes-list">
            {notes.data.items.map((n) => (
              <NotificationItem key={n.id} n={n} canAct={!!me && me.key.role !== 'viewer'} />
            ))}
          </ul>
        </section>
      )}
    </article>
  );
}

/** One session: facts, plan with Approve, message box, diff viewer and the activity timeline, all live. */
export function SessionDetailPage({ id }: { id: string }) {
  const api = useApi();
  const qc = useQueryClient();
  const toast = useToast();
  const session = useQuery({ queryKey: sessionKey(id), queryFn: ({ signal }) => api.sessions.get(id, signal) });
  const acts = useQuery({ queryKey: activitiesKey(id), queryFn: ({ signal }) => api.sessions.allActivities(id, signal) });
  const me = qc.getQueryData<Me>(['me']);
  const canAct = me?.key.role !== 'viewer';
  // The keeper's view of the session: which messages were the keeper's (shared with the keeper panel's query).
  const keeper = useQuery({ queryKey: keeperKeys.session(id), queryFn: ({ signal }) => api.keeper.session(id, signal), retry: false });
  const keeperMessages = useMemo(() => new Map((keeper.data?.messages ?? []).map((m) => [m.activityId, m.kind])), [keeper.data]);
  // "Open in Jules" only for sessions that live on Jules: not in demo mode, not from the simulator's account.
  const accounts = useQuery({
    queryKey: julesKeys.accounts,
    queryFn: ({ signal }) => api.sessions.accounts.list(signal),
    enabled: !!session.data?.url && !me?.simulated,
    retry: false,
    staleTime: 300_000,
  });
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
  if (session.isError && session.error instanceof ApiError && session.error.status === 404) return <GoneSession id={id} />;
  if (session.isError) return <ErrorNote error={session.error} retry={() => void session.refetch()} />;
  // Deleted on Jules (the mirror keeps the row, marked deleted): what is known, not a live page.
  if (session.data.deleted) return <GoneSession id={id} />;
  const s = session.data;
  const origin = accounts.data?.items.find((a) => a.id === s.accountId)?.origin;
  const onJules = !!s.url && !me?.simulated && origin !== undefined && origin !== 'simulator';
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
        {onJules && s.url && (
          <div>
            <dt>Jules</dt>
            <dd>
              <a href={s.url} target="_blank" rel="noreferrer" data-testid="open-in-jules">
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

      <PullPanel sessionId={s.id} hasPrUrl={!!pr} />

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
              <select id="changeset" data-testid="changeset-picker" value={selected.key} onChange={(e) => setChangeKey(e.target.value)}>
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
        {acts.isPending ? <p className="muted">Loading activity…</p> : acts.isError ? <ErrorNote error={acts.error} retry={() => void acts.refetch()} /> : <Timeline activities={activities} onShowChanges={showChanges} keeper={keeperMessages} />}
      </section>
    </article>
  );
}
