import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { UpdateWorkspaceBody, type Me } from '@autopilot/contracts';
import { Link } from '../../app/router';
import { useApi, useMe } from '../../lib/api';
import { ErrorNote } from '../../lib/ui';
import { dateTime, describedBy, errorsOf, FieldError, isAdmin } from './settings-ui';


function RenameForm({ me, onDone }: { me: Me; onDone: () => void }) {
  const api = useApi();
  const qc = useQueryClient();
  const [error, setError] = useState<string | undefined>();
  const rename = useMutation({
    mutationFn: (name: string) => api.workspaces.update(me.workspace.id, { name }),
    onSuccess: (ws) => {
      // The name shows in the top bar (from /api/me) and here (from the list).
      qc.setQueryData<Me>(['me'], (old) => (old ? { ...old, workspace: { ...old.workspace, name: ws.name } } : old));
      void qc.invalidateQueries({ queryKey: ['me'] });
      void qc.invalidateQueries({ queryKey: ['settings', 'workspaces'] });
      onDone();
    },
    onError: (err) => {
      const e = errorsOf(err);
      setError(e.fields.name ?? e.message);
    },
  });
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const parsed = UpdateWorkspaceBody.safeParse({ name: String(new FormData(e.currentTarget).get('name') ?? '') });
    if (!parsed.success) return setError(parsed.error.issues[0]?.message === 'lowercase letters, digits, - and _ only' ? 'Use lowercase letters, digits, - and _ only (start with a letter or digit)' : 'Give the workspace a name of 1 to 64 characters');
    setError(undefined);
    rename.mutate(parsed.data.name ?? me.workspace.name);
  }
  return (
    <form className="st-form" onSubmit={submit} noValidate aria-label="Rename the workspace">
      <div className="st-field">
        <label htmlFor="ws-name">New name</label>
        <input id="ws-name" name="name" defaultValue={me.workspace.name} maxLength={64} autoComplete="off" {...describedBy('ws-name-error', error)} />
        <FieldError id="ws-name-error" text={error} />
        <span className="st-hint">Lowercase letters, digits, - and _; unique on this server.</span>
      </div>
      <div className="st-actions start">
        <button type="submit" className="primary" disabled={rename.isPending}>
          {rename.isPending ? 'Saving…' : 'Save name'}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function Count({ label, value, href, link }: { label: string; value: number | undefined; href: string; link: string }) {
  return (
    <div className="st-count" data-testid={`count-${label.toLowerCase().replace(/\s+/g, '-')}`}>
      <span className="st-hint">{label}</span>
      <span className="n">{value === undefined ? '…' : value.toLocaleString()}</span>
      <Link href={href}>{link}</Link>
    </div>
  );
}

/** Settings → Workspace: its name (rename, admins and owners), id, creation, your role, what is in it, demo state. */
export function WorkspaceSettings() {
  const api = useApi();
  const me = useMe();
  const list = useQuery({ queryKey: ['settings', 'workspaces'], queryFn: () => api.workspaces.list() });
  const keys = useQuery({ queryKey: ['settings', 'keys'], queryFn: () => api.keys.list() });
  const accounts = useQuery({ queryKey: ['settings', 'accounts-count'], queryFn: ({ signal }) => api.sessions.accounts.list(signal) });
  const sessions = useQuery({ queryKey: ['settings', 'session-count'], queryFn: ({ signal }) => api.sessions.counts({}, signal) });
  const [editing, setEditing] = useState(false);
  if (me.isError) return <ErrorNote error={me.error} retry={() => void me.refetch()} />;
  if (!me.data) return <p className="muted">Loading…</p>;
  const m = me.data;
  const ws = list.data?.items.find((w) => w.id === m.workspace.id);
  const others = (list.data?.items.length ?? 1) - 1;
  return (
    <section aria-labelledby="settings-workspace" className="st-section">
      <h2 id="settings-workspace">Workspace</h2>
      <div className="st-card" data-testid="workspace-card">
        <div className="st-item-head">
          <h3 style={{ margin: 0 }} className="st-wrap" data-testid="workspace-name">
            {m.workspace.name}
          </h3>
          {m.simulated && <span className="pill pill-degraded">demo</span>}
          <span className="st-grow" />
          {isAdmin(m) && !editing && (
            <button type="button" onClick={() => setEditing(true)}>
              Rename
            </button>
          )}
        </div>
        {editing && <RenameForm me={m} onDone={() => setEditing(false)} />}
        {!isAdmin(m) && <p className="st-hint">Only admins and owners rename the workspace.</p>}
        <dl className="st-facts">
          <div>
            <dt>Workspace id</dt>
            <dd className="st-mono" data-testid="workspace-id">
              {m.workspace.id}
            </dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>{ws?.createdAt ? dateTime(ws.createdAt) : '—'}</dd>
          </div>
          <div>
            <dt>Your role</dt>
            <dd>
              {m.key.role} <span className="st-muted">(key “{m.key.name}”)</span>
            </dd>
          </div>
          {others > 0 && (
            <div>
              <dt>Other workspaces</dt>
              <dd>{list.data ? others : '…'}</dd>
            </div>
          )}
        </dl>
      </div>

      <div className="st-counts">
        <Count label="API keys" value={keys.data?.items.filter((k) => !k.revokedAt).length} href="/settings/keys" link="Manage keys" />
        <Count label="Jules accounts" value={accounts.data?.items.length} href="/settings/accounts" link="Manage accounts" />
        <Count label="Sessions" value={sessions.data?.total} href="/" link="Open the board" />
      </div>

      {m.simulated ? (
        <p className="st-warn" data-testid="demo-state">
          <strong>Demo mode.</strong> Jules sessions come from the built-in simulator: nothing is sent to Google’s Jules, and sessions are not real
          work. Connect a real Jules API key on <Link href="/settings/accounts">Jules accounts</Link> to work on your repositories.
        </p>
      ) : (
        <p className="st-note" data-testid="demo-state">
          Connected to Jules: sessions are real and run on your repositories.
        </p>
      )}
    </section>
  );
}
