import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { KEEPER_ACTIONS, type KeeperSettings, type Me, type UpdateKeeperSettingsBody } from '@autopilot/contracts';
import { useState } from 'react';
import { Link } from '../../app/router';
import { useApi } from '../../lib/api';
import { ago } from '../../lib/format';
import { useToast } from '../../lib/toasts';
import { ErrorNote, Switch } from '../../lib/ui';
import { keeperKeys } from './data';
import { ActionLine } from './KeeperPanel';

function SettingsCard({ settings, canEdit }: { settings: KeeperSettings; canEdit: boolean }) {
  const api = useApi();
  const qc = useQueryClient();
  const toast = useToast();
  const save = useMutation({
    mutationFn: (body: UpdateKeeperSettingsBody) => api.keeper.updateSettings(body),
    onSuccess: (s) => qc.setQueryData(keeperKeys.settings, s),
    onError: (err: Error) => toast({ title: 'Could not save keeper settings', body: err.message, level: 'error' }),
  });
  const busy = !canEdit || save.isPending;
  return (
    <section className="card panel" aria-labelledby="keeper-settings">
      <div className="panel-head">
        <h2 id="keeper-settings">Settings</h2>
        <span className="spacer" />
        <Switch checked={settings.enabled} onChange={(enabled) => save.mutate({ enabled })} label={settings.enabled ? 'Keeper running' : 'Keeper paused'} disabled={busy} testId="keeper-enabled" />
      </div>
      {!canEdit && <p className="muted">Only admins and owners change these settings.</p>}
      <div className="settings-grid">
        <label htmlFor="approval-policy">Plan approval</label>
        <select id="approval-policy" value={settings.approval.policy} disabled={busy} onChange={(e) => save.mutate({ approval: { policy: e.target.value as KeeperSettings['approval']['policy'] } })}>
          <option value="always">Approve every plan</option>
          <option value="rules">Approve by rules (≤ {settings.approval.maxSteps} steps, no hold words)</option>
          <option value="never">Never: wait for a human</option>
        </select>
        <span>Answer questions</span>
        <Switch checked={settings.answers.enabled} onChange={(enabled) => save.mutate({ answers: { enabled } })} label={`up to ${settings.answers.maxPerSession} per session`} disabled={busy} />
        <span>Nudge stalled sessions</span>
        <Switch checked={settings.stall.enabled} onChange={(enabled) => save.mutate({ stall: { enabled } })} label={`at most ${settings.stall.maxNudges} nudges`} disabled={busy} />
        <span>Flag stuck sessions</span>
        <Switch checked={settings.stuck.enabled} onChange={(enabled) => save.mutate({ stuck: { enabled } })} label={`quiet for ${Math.round(settings.stuck.quietMs / 60_000)} min`} disabled={busy} />
        <span>Self-heal failures</span>
        <Switch checked={settings.selfHeal.enabled} onChange={(enabled) => save.mutate({ selfHeal: { enabled } })} label={`${settings.selfHeal.maxAttempts} attempt(s)`} disabled={busy} />
        <span>Auto-continue</span>
        <Switch checked={settings.autoContinue.enabled} onChange={(enabled) => save.mutate({ autoContinue: { enabled } })} label={`${settings.autoContinue.maxPerSession} per session`} disabled={busy} />
      </div>
    </section>
  );
}

/** The keeper page: settings with the workspace-wide pause switch, its action ledger and its notifications. */
export function KeeperPage() {
  const api = useApi();
  const qc = useQueryClient();
  const me = qc.getQueryData<Me>(['me']);
  const canEdit = me?.key.role === 'owner' || me?.key.role === 'admin';
  const [action, setAction] = useState('');
  const settings = useQuery({ queryKey: keeperKeys.settings, queryFn: ({ signal }) => api.keeper.settings(signal) });
  const logs = useInfiniteQuery({
    queryKey: [...keeperKeys.logs, action],
    queryFn: ({ pageParam, signal }) => api.keeper.logs({ limit: 50, cursor: pageParam, action: (action || undefined) as never }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const notes = useQuery({ queryKey: keeperKeys.notifications, queryFn: ({ signal }) => api.keeper.notifications({ limit: 20 }, signal) });

  return (
    <section className="keeper-page">
      <div className="page-head">
        <h1>Keeper</h1>
      </div>
      <p className="muted">The keeper watches sessions: approves plans, answers questions, nudges stalled sessions and flags stuck ones.</p>
      {settings.isError ? <ErrorNote error={settings.error} retry={() => void settings.refetch()} /> : settings.data ? <SettingsCard settings={settings.data} canEdit={canEdit} /> : <p className="muted">Loading settings…</p>}

      <div className="keeper-cols">
        <section className="card panel" aria-labelledby="keeper-log">
          <div className="panel-head">
            <h2 id="keeper-log">Actions</h2>
            <span className="spacer" />
            <label className="sr-only" htmlFor="log-action">
              Action
            </label>
            <select id="log-action" value={action} onChange={(e) => setAction(e.target.value)}>
              <option value="">All actions</option>
              {KEEPER_ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </div>
          {logs.isError && <ErrorNote error={logs.error} retry={() => void logs.refetch()} />}
          <ul className="kactions" data-testid="keeper-log">
            {logs.data?.pages.flatMap((p) => p.items).map((a) => (
              <li key={a.id} className="kaction-row">
                <Link href={`/sessions/${encodeURIComponent(a.sessionId)}`} className="mono small">
                  {a.sessionId.slice(0, 8)}
                </Link>
                <ul className="plain">
                  <ActionLine a={a} />
                </ul>
              </li>
            ))}
          </ul>
          {logs.data && logs.data.pages[0].items.length === 0 && <p className="muted">No actions yet.</p>}
          {logs.hasNextPage && (
            <button type="button" onClick={() => void logs.fetchNextPage()} disabled={logs.isFetchingNextPage}>
              Load more
            </button>
          )}
        </section>
        <section className="card panel" aria-labelledby="keeper-notes">
          <h2 id="keeper-notes">Notifications</h2>
          {notes.data?.items.length === 0 && <p className="muted">Nothing needs you.</p>}
          <ul className="kactions">
            {notes.data?.items.map((n) => (
              <li key={n.id}>
                <strong>{n.sessionId ? <Link href={`/sessions/${encodeURIComponent(n.sessionId)}`}>{n.title}</Link> : n.title}</strong>
                <div className="muted">{n.body}</div>
                <time className="muted small" dateTime={n.createdAt}>
                  {ago(n.createdAt)}
                </time>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </section>
  );
}
