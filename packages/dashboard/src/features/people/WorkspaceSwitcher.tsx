import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { CreateWorkspaceBody, type Me } from '@autopilot/contracts';
import { api, useAuth } from '../../lib/api';
import { navigate, useLocation } from '../../app/router';
import { describedBy, FieldError, Modal } from '../settings/settings-ui';
import { formErrors } from './fields';
import './people.css';

/** The slug the server derives from a name (lower case, runs of other characters as `-`, 40 at most). */
export function slugPreview(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return s.length >= 2 ? s : s ? `${s}-ws` : '';
}

/** The page to show after a switch: the same section (a page of one item, like a session, belongs to the old workspace). */
function sectionOf(path: string): string {
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'settings') return `/settings/${parts[1] ?? 'accounts'}`;
  return parts[0] ? `/${parts[0]}` : '/sessions';
}

/** Switches the person's session to `workspaceId`, then rebuilds the shell: caches cleared, live events reconnected. */
export function useSwitchWorkspace() {
  const { adopt } = useAuth();
  const { path } = useLocation();
  return async (workspaceId: string, to?: string) => {
    await api.people.switchWorkspace(workspaceId);
    navigate(to ?? sectionOf(path), { replace: true });
    adopt();
  };
}

function CreateWorkspaceDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const switchTo = useSwitchWorkspace();
  const [name, setName] = useState('');
  const [slug, setSlug] = useState<string | null>(null);
  const [errors, setErrors] = useState<{ fields: Record<string, string>; message?: string }>({ fields: {} });
  const [busy, setBusy] = useState(false);
  const shownSlug = slug ?? slugPreview(name);
  function close() {
    setName('');
    setSlug(null);
    setErrors({ fields: {} });
    onClose();
  }
  async function submit(e: FormEvent) {
    e.preventDefault();
    const body = slug === null ? { name } : { name, slug };
    const parsed = CreateWorkspaceBody.safeParse(body);
    if (!parsed.success) {
      const fields: Record<string, string> = {};
      for (const i of parsed.error.issues) fields[String(i.path[0])] ??= i.path[0] === 'slug' ? '2 to 40 lowercase letters, digits and -, starting with a letter or digit.' : 'Give the workspace a name (1 to 64 characters).';
      return setErrors({ fields });
    }
    setBusy(true);
    setErrors({ fields: {} });
    try {
      const created = await api.workspaces.create(parsed.data);
      close();
      await switchTo(created.workspace.id, '/settings/members');
    } catch (err) {
      setErrors(formErrors(err, ['name', 'slug']));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Modal open={open} onClose={close} labelledBy="ws-create-title" testId="workspace-create-dialog">
      <form className="st-form" onSubmit={(e) => void submit(e)} noValidate>
        <h2 id="ws-create-title">Create a workspace</h2>
        <p className="st-hint" style={{ margin: 0 }}>
          You become its owner. Sessions, keys, accounts and settings are separate per workspace.
        </p>
        <div className="st-field">
          <label htmlFor="ws-create-name">Name</label>
          <input id="ws-create-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={64} autoComplete="off" autoFocus {...describedBy('ws-create-name-error', errors.fields.name)} />
          <FieldError id="ws-create-name-error" text={errors.fields.name} />
        </div>
        <div className="st-field">
          <label htmlFor="ws-create-slug">Slug</label>
          <input id="ws-create-slug" className="ws-slug" value={shownSlug} onChange={(e) => setSlug(e.target.value)} maxLength={40} autoComplete="off" {...describedBy('ws-create-slug-error', errors.fields.slug)} />
          <span className="st-hint" data-testid="ws-slug-preview">
            {shownSlug ? `Its short name in links and logs: ${shownSlug}` : 'Derived from the name; editable.'}
            {slug === null && shownSlug ? ' (a -2 is added when taken)' : ''}
          </span>
          <FieldError id="ws-create-slug-error" text={errors.fields.slug} />
        </div>
        {errors.message && (
          <p className="st-error" role="alert">
            {errors.message}
          </p>
        )}
        <div className="st-actions">
          <button type="button" onClick={close}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create workspace'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/**
 * The workspace in the top bar. For a signed-in person, a menu of their workspaces (the current one checked) that
 * switches the session, and "Create workspace"; for an API key only the key's workspace (keys cannot switch).
 */
export function WorkspaceSwitcher({ me }: { me: Me }) {
  const [open, setOpen] = useState(false);
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const switchTo = useSwitchWorkspace();
  const person = me.person;

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    root.current?.querySelector<HTMLElement>('[role=menuitemradio][aria-checked=true], [role=menuitem]')?.focus();
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  if (!person)
    return (
      <span className="workspace" data-testid="workspace" title="Workspace (an API key works in its own workspace only)">
        {me.workspace.name}
      </span>
    );

  function onKey(e: KeyboardEvent<HTMLDivElement>) {
    if (e.key === 'Escape') {
      setOpen(false);
      root.current?.querySelector<HTMLElement>('button[aria-haspopup]')?.focus();
      return;
    }
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const items = [...(root.current?.querySelectorAll<HTMLElement>('[role=menuitemradio], [role=menuitem]') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    items[(at + (e.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length]?.focus();
  }

  async function choose(id: string) {
    if (id === me.workspace.id) return setOpen(false);
    setBusy(id);
    setError(null);
    try {
      await switchTo(id);
    } catch (err) {
      setError(formErrors(err, []).message ?? 'Could not switch.');
      setBusy(null);
    }
  }

  return (
    <div className="ws-switch" ref={root} onKeyDown={onKey}>
      <button type="button" aria-haspopup="menu" aria-expanded={open} aria-controls="ws-menu" onClick={() => setOpen((o) => !o)} title="Switch workspace" data-testid="workspace-switcher">
        <span className="ws-name" data-testid="workspace">
          {me.workspace.name}
        </span>
        <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <div className="ws-menu" role="menu" id="ws-menu" aria-label="Workspaces">
          {person.workspaces.map((w) => (
            <button
              type="button"
              key={w.id}
              role="menuitemradio"
              aria-checked={w.id === me.workspace.id}
              onClick={() => void choose(w.id)}
              disabled={busy !== null}
              data-testid="workspace-option"
              data-slug={w.slug}
            >
              <span className="ws-check" aria-hidden="true">
                {w.id === me.workspace.id ? '✓' : ''}
              </span>
              <span className="ws-item-name">{busy === w.id ? `Switching to ${w.name}…` : w.name}</span>
              <span className="ws-item-role">{w.role}</span>
            </button>
          ))}
          {error && (
            <p className="ws-menu-note error" role="alert">
              {error}
            </p>
          )}
          <hr />
          <button type="button" role="menuitem" onClick={() => (setOpen(false), setCreating(true))}>
            <span className="ws-check" aria-hidden="true">
              +
            </span>
            <span className="ws-item-name">Create workspace</span>
          </button>
        </div>
      )}
      <CreateWorkspaceDialog open={creating} onClose={() => setCreating(false)} />
    </div>
  );
}
