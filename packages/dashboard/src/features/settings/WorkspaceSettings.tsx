import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { UpdateWorkspaceBody, type Me, type WorkspaceInfo } from '@autopilot/contracts';
import { Link, navigate } from '../../app/router';
import { useApi, useAuth, useMe } from '../../lib/api';
import { ErrorNote } from '../../lib/ui';
import { dateTime, describedBy, errorsOf, FieldError, isAdmin, Modal } from './settings-ui';


function RenameForm({ me, ws, onDone }: { me: Me; ws: WorkspaceInfo | undefined; onDone: () => void }) {
  const api = useApi();
  const qc = useQueryClient();
  const [errors, setErrors] = useState<{ name?: string; slug?: string; message?: string }>({});
  const rename = useMutation({
    mutationFn: (body: UpdateWorkspaceBody) => api.workspaces.update(me.workspace.id, body),
    onSuccess: (updated) => {
      // The name shows in the top bar (from /api/me) and here (from the list).
      qc.setQueryData<Me>(['me'], (old) => (old ? { ...old, workspace: { ...old.workspace, name: updated.name } } : old));
      void qc.invalidateQueries({ queryKey: ['me'] });
      void qc.invalidateQueries({ queryKey: ['settings', 'workspaces'] });
      onDone();
    },
    onError: (err) => {
      const e = errorsOf(err);
      setErrors(e.fields.name || e.fields.slug ? { name: e.fields.name, slug: e.fields.slug } : { message: e.message });
    },
  });
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const name = String(data.get('name') ?? '').trim();
    const slug = String(data.get('slug') ?? '').trim();
    const body: UpdateWorkspaceBody = {};
    if (name !== me.workspace.name) body.name = name;
    if (ws && slug !== ws.slug) body.slug = slug;
    const parsed = UpdateWorkspaceBody.safeParse(body);
    if (!parsed.success) {
      const bad = new Set(parsed.error.issues.map((i) => String(i.path[0])));
      return setErrors({
        name: bad.has('name') ? 'Give the workspace a name of 1 to 64 characters (no control characters)' : undefined,
        slug: bad.has('slug') ? '2 to 40 lowercase letters, digits and -, starting with a letter or digit' : undefined,
      });
    }
    setErrors({});
    if (!Object.keys(parsed.data).length) return onDone();
    rename.mutate(parsed.data);
  }
  return (
    <form className="st-form" onSubmit={submit} noValidate aria-label="Rename the workspace">
      <div className="st-fields">
        <div className="st-field">
          <label htmlFor="ws-name">New name</label>
          <input id="ws-name" name="name" defaultValue={me.workspace.name} maxLength={64} autoComplete="off" {...describedBy('ws-name-error', errors.name)} />
          <FieldError id="ws-name-error" text={errors.name} />
          <span className="st-hint">What people read; unique on this server.</span>
        </div>
        <div className="st-field">
          <label htmlFor="ws-slug">Slug</label>
          <input id="ws-slug" name="slug" defaultValue={ws?.slug ?? ''} maxLength={40} autoComplete="off" disabled={!ws} className="st-mono" {...describedBy('ws-slug-error', errors.slug)} />
          <FieldError id="ws-slug-error" text={errors.slug} />
          <span className="st-hint">Its short name in links and logs: lowercase letters, digits and -; unique.</span>
        </div>
      </div>
      {errors.message && (
        <p className="st-error" role="alert">
          {errors.message}
        </p>
      )}
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

/** Deleting the workspace (owners; never the default one): typed confirmation with its slug. */
function DeleteWorkspace({ me, ws }: { me: Me; ws: WorkspaceInfo }) {
  const api = useApi();
  const { adopt } = useAuth();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const del = useMutation({
    mutationFn: async () => {
      await api.workspaces.delete(ws.id, typed.trim());
      // A person's session moves to another of their workspaces; a key of a deleted workspace has nowhere to go.
      const other = me.person?.workspaces.find((w) => w.id !== ws.id);
      if (other) await api.people.switchWorkspace(other.id).catch(() => undefined);
    },
    onSuccess: () => {
      setOpen(false);
      navigate('/sessions', { replace: true });
      adopt();
    },
  });
  const close = () => (setOpen(false), setTyped(''), del.reset());
  return (
    <div className="st-card" data-testid="workspace-delete">
      <h3>Delete this workspace</h3>
      <p className="st-hint" style={{ margin: '0 0 0.5rem' }}>
        Removes its sessions, keys, accounts, settings and memberships for good. Export it first if you may need it again.
      </p>
      <button type="button" className="danger" onClick={() => setOpen(true)}>
        Delete workspace…
      </button>
      <Modal open={open} onClose={close} labelledBy="ws-delete-title" testId="workspace-delete-dialog">
        <form className="st-form" onSubmit={(e) => (e.preventDefault(), typed.trim() === ws.slug && del.mutate())}>
          <h2 id="ws-delete-title">Delete {ws.name}?</h2>
          <p className="st-warn" style={{ margin: 0 }}>
            This cannot be undone. Everything in the workspace is deleted, and its members lose access.
          </p>
          <div className="st-field">
            <label htmlFor="ws-delete-confirm">
              Type <span className="st-mono">{ws.slug}</span> to confirm
            </label>
            <input id="ws-delete-confirm" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" className="st-mono" />
          </div>
          {del.isError && (
            <p className="st-error" role="alert">
              {errorsOf(del.error).message}
            </p>
          )}
          <div className="st-actions">
            <button type="button" onClick={close}>
              Cancel
            </button>
            <button type="submit" className="primary danger" disabled={typed.trim() !== ws.slug || del.isPending}>
              {del.isPending ? 'Deleting…' : 'Delete workspace'}
            </button>
          </div>
        </form>
      </Modal>
    </div>
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
        {editing && <RenameForm me={m} ws={ws} onDone={() => setEditing(false)} />}
        {!isAdmin(m) && <p className="st-hint">Only admins and owners rename the workspace.</p>}
        <dl className="st-facts">
          <div>
            <dt>Workspace id</dt>
            <dd className="st-mono" data-testid="workspace-id">
              {m.workspace.id}
            </dd>
          </div>
          <div>
            <dt>Slug</dt>
            <dd className="st-mono" data-testid="workspace-slug">
              {ws?.slug ?? '…'}
            </dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>{ws?.createdAt ? dateTime(ws.createdAt) : '—'}</dd>
          </div>
          <div>
            <dt>Your role</dt>
            <dd>
              {m.key.role} <span className="st-muted">{m.person ? `(${m.person.name})` : `(key “${m.key.name}”)`}</span>
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
      {m.key.role === 'owner' && ws && !ws.isDefault && <DeleteWorkspace me={m} ws={ws} />}
    </section>
  );
}
