import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { CreateJulesAccountBody, UpdateJulesAccountBody, type JulesAccount, type Me } from '@autopilot/contracts';
import { useApi, useMe } from '../../lib/api';
import { ago } from '../../lib/format';
import { ErrorNote } from '../../lib/ui';
import { julesKeys, useAccountSessionCount, useJulesAccounts } from '../sessions/data';
import { QuotaWidget } from '../dispatch/QuotaWidget';
import { dateTime, describedBy, errorsOf, FieldError, isAdmin, Modal } from './settings-ui';
import { AccountSources } from './AccountSources';
import './accounts.css';

const ORIGIN: Record<JulesAccount['origin'], string> = {
  api: 'added here',
  env: 'from JULES_API_KEY',
  simulator: 'demo simulator',
};
const CONFIGURED = 'This account comes from the server’s configuration (JULES_API_KEY, or demo mode without it): change it there, not here.';
const ADMINS_ONLY = 'Only admins and owners manage Jules accounts.';

/**
 * An account's last sync error in plain words. The server keeps it short and without upstream text
 * (`sessions.list: upstream answered HTTP 401 ...`); the call name is ours, not the reader's business.
 */
export function plainSyncError(raw: string): string {
  const text = raw.replace(/^[a-z]+\.[A-Za-z]+: /, '');
  if (/\b(401|403)\b|UNAUTHENTICATED|PERMISSION_DENIED|refused (the|this) key/i.test(text)) return 'Jules refused the key: it may have been revoked. Rotate it with a current key.';
  if (/\b429\b|RESOURCE_EXHAUSTED|limiting/i.test(text)) return 'Jules is limiting requests from this account; syncing resumes on its own.';
  if (/circuit open/i.test(text)) return 'Paused after several failed calls in a row; it tries again shortly.';
  if (/could not be reached|unreachable|ECONNREFUSED|ENOTFOUND|timed? ?out/i.test(text)) return 'Jules could not be reached from this server (network, DNS or the base URL).';
  if (/\b5\d\d\b|UNAVAILABLE/.test(text)) return 'Jules had a problem on its side; syncing retries on its own.';
  if (/unreadable/i.test(text)) return 'The server at this address did not answer like the Jules API: check the base URL.';
  return text;
}

/** The last 4 characters of a key as shown everywhere: never more of it. */
const masked = (last4: string) => `••••${last4}`;

function AddAccountForm({ onAdded }: { onAdded: (a: JulesAccount) => void }) {
  const api = useApi();
  const qc = useQueryClient();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const add = useMutation({
    mutationFn: (body: CreateJulesAccountBody) => api.sessions.accounts.add(body),
    onSuccess: (a) => {
      void qc.invalidateQueries({ queryKey: julesKeys.all });
      onAdded(a);
    },
    onError: (err) => {
      const e = errorsOf(err);
      setErrors(e.fields);
      // A field error says what to fix next to the field; the message says the rest (e.g. HTTP 503).
      setFormError(e.message);
    },
  });
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const baseUrl = String(f.get('baseUrl') ?? '').trim();
    const parsed = CreateJulesAccountBody.safeParse({ name: String(f.get('name') ?? ''), apiKey: String(f.get('apiKey') ?? ''), ...(baseUrl ? { baseUrl } : {}) });
    setFormError(null);
    if (!parsed.success) {
      const next: Record<string, string> = {};
      for (const i of parsed.error.issues) {
        const k = String(i.path[0] ?? 'form');
        next[k] ??= k === 'name' ? 'Give the account a name (1 to 100 characters), e.g. “team”' : k === 'apiKey' ? 'Paste the Jules API key (at least 8 characters)' : k === 'baseUrl' ? 'A full http(s) URL, e.g. https://jules.googleapis.com/v1alpha' : i.message;
      }
      return setErrors(next);
    }
    setErrors({});
    add.mutate(parsed.data, { onSuccess: () => form.reset() });
  }
  return (
    <form className="st-card st-form" onSubmit={submit} aria-labelledby="new-account-title" noValidate data-testid="add-account">
      <h3 id="new-account-title">Connect a Jules account</h3>
      <p className="st-hint">
        Create an API key in Jules (jules.google.com → Settings → API keys) and paste it here. The key is checked with a live call to Jules before it is
        saved, stored encrypted, and shown afterwards only as its last 4 characters.
      </p>
      <div className="st-fields">
        <div className="st-field">
          <label htmlFor="account-name">Name</label>
          <input id="account-name" name="name" maxLength={100} placeholder="team" autoComplete="off" {...describedBy('account-name-error', errors.name)} />
          <FieldError id="account-name-error" text={errors.name} />
        </div>
        <div className="st-field">
          <label htmlFor="account-key">API key</label>
          <input id="account-key" name="apiKey" type="password" autoComplete="off" spellCheck={false} maxLength={512} {...describedBy('account-key-error', errors.apiKey)} />
          <FieldError id="account-key-error" text={errors.apiKey} />
        </div>
      </div>
      <details className="ac-advanced" open={errors.baseUrl ? true : undefined}>
        <summary>Advanced</summary>
        <div className="st-field">
          <label htmlFor="account-url">Base URL</label>
          <input id="account-url" name="baseUrl" type="url" placeholder="https://jules.googleapis.com/v1alpha" autoComplete="off" spellCheck={false} {...describedBy('account-url-error', errors.baseUrl)} />
          <span className="st-hint">Leave empty for the Jules API. Only for a proxy or a test server in front of it.</span>
          <FieldError id="account-url-error" text={errors.baseUrl} />
        </div>
      </details>
      {formError && (
        <p className="st-error" role="alert" data-testid="add-account-error">
          {formError}
        </p>
      )}
      <div className="st-actions">
        <button type="submit" className="primary" disabled={add.isPending}>
          {add.isPending ? 'Checking the key with Jules…' : 'Check and connect'}
        </button>
      </div>
    </form>
  );
}

/** The repositories an account can start sessions on, as Jules lists them (cached by the server; Refresh asks again). */
type Editing = { kind: 'rename' | 'rotate' | 'remove'; account: JulesAccount } | null;

function AccountItem({ a, me, onEdit }: { a: JulesAccount; me: Me; onEdit: (e: Editing) => void }) {
  const count = useAccountSessionCount(a.id);
  const configured = a.origin !== 'api';
  const admin = isAdmin(me);
  const reason = !admin ? ADMINS_ONLY : configured ? CONFIGURED : undefined;
  return (
    <li className="st-item" data-testid="account-item" data-account-name={a.name}>
      <div className="st-item-head">
        <strong>{a.name}</strong>
        <span className="pill">{ORIGIN[a.origin]}</span>
        {a.lastError ? <span className="pill pill-down">sync failing</span> : a.lastSyncAt ? <span className="pill pill-ok">syncing</span> : <span className="pill">not synced yet</span>}
        <span className="st-grow" />
        <div className="ac-buttons" role="group" aria-label={`Actions for ${a.name}`}>
          <button type="button" disabled={!!reason} title={reason} aria-describedby={reason ? `why-${a.id}` : undefined} onClick={() => onEdit({ kind: 'rename', account: a })}>
            Rename
          </button>
          <button type="button" disabled={!!reason} title={reason} aria-describedby={reason ? `why-${a.id}` : undefined} onClick={() => onEdit({ kind: 'rotate', account: a })}>
            Rotate key
          </button>
          <button type="button" className="danger" disabled={!!reason} title={reason} aria-describedby={reason ? `why-${a.id}` : undefined} onClick={() => onEdit({ kind: 'remove', account: a })}>
            Remove
          </button>
        </div>
      </div>
      {reason && (
        <p className="st-hint" id={`why-${a.id}`}>
          {reason}
        </p>
      )}
      <dl className="st-facts">
        <div>
          <dt>Key</dt>
          <dd className="st-mono" data-testid="account-key">
            {masked(a.keyLast4)}
          </dd>
        </div>
        <div>
          <dt>Address</dt>
          <dd className="st-wrap">{a.baseUrl ?? 'Jules API (default)'}</dd>
        </div>
        <div>
          <dt>Last sync</dt>
          <dd title={a.lastSyncAt ? dateTime(a.lastSyncAt) : undefined}>{a.lastSyncAt ? ago(a.lastSyncAt) : 'not yet'}</dd>
        </div>
        <div>
          <dt>Sessions mirrored</dt>
          <dd data-testid="account-session-count">{count.data ?? '…'}</dd>
        </div>
        <div>
          <dt>Added</dt>
          <dd>{dateTime(a.createdAt)}</dd>
        </div>
      </dl>
      {a.lastError && (
        <div className="st-error" role="status">
          <strong>Last sync failed:</strong> {plainSyncError(a.lastError)}
          <details className="ac-raw">
            <summary>Technical detail</summary>
            <code className="st-mono">{a.lastError}</code>
          </details>
        </div>
      )}
      <QuotaWidget accountId={a.id} />
      <AccountSources account={a} />
    </li>
  );
}

/** Rename, rotate the key, or remove (with the number of mirrored sessions that go with it). */
function EditDialog({ editing, onClose }: { editing: Editing; onClose: () => void }) {
  const api = useApi();
  const qc = useQueryClient();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const count = useQuery({
    queryKey: editing ? julesKeys.sessionCount(editing.account.id) : ['none'],
    queryFn: async ({ signal }) => (await api.sessions.counts({ accountId: editing!.account.id, archived: 'all', deleted: true }, signal)).total,
    enabled: editing?.kind === 'remove',
  });
  const done = () => {
    void qc.invalidateQueries({ queryKey: julesKeys.all });
    close();
  };
  const fail = (err: unknown) => {
    const e = errorsOf(err);
    setErrors(e.fields);
    setFormError(e.message);
  };
  const update = useMutation({ mutationFn: (v: { id: string; body: UpdateJulesAccountBody }) => api.sessions.accounts.update(v.id, v.body), onSuccess: done, onError: fail });
  const remove = useMutation({
    mutationFn: (id: string) => api.sessions.accounts.remove(id),
    onSuccess: (_, id) => {
      // Gone from the list at once, and its own queries (repositories, session count) dropped rather than refetched:
      // a refetch would ask the server for an account that no longer exists (a 404) before its card unmounts.
      qc.setQueryData<{ items: JulesAccount[] }>(julesKeys.accounts, (old) => (old ? { ...old, items: old.items.filter((a) => a.id !== id) } : old));
      const own = (k: readonly unknown[]) => k[0] === 'jules' && (k[1] === 'sources' || k[1] === 'session-count') && k[2] === id;
      qc.removeQueries({ predicate: (q) => own(q.queryKey) });
      // Its sessions went with it: the board and every count must forget them.
      void qc.invalidateQueries({ predicate: (q) => !own(q.queryKey) });
      close();
    },
    onError: fail,
  });
  function close() {
    setErrors({});
    setFormError(null);
    update.reset();
    remove.reset();
    onClose();
  }
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!editing) return;
    const f = new FormData(e.currentTarget);
    const body = editing.kind === 'rename' ? { name: String(f.get('name') ?? '') } : { apiKey: String(f.get('apiKey') ?? '') };
    const parsed = UpdateJulesAccountBody.safeParse(body);
    setFormError(null);
    if (!parsed.success) return setErrors({ [editing.kind === 'rename' ? 'name' : 'apiKey']: editing.kind === 'rename' ? 'A name of 1 to 100 characters' : 'Paste the new key (at least 8 characters)' });
    setErrors({});
    update.mutate({ id: editing.account.id, body: parsed.data });
  }
  const a = editing?.account;
  const pending = update.isPending || remove.isPending;
  return (
    <Modal open={editing !== null} onClose={close} labelledBy="account-edit-title" testId="account-dialog">
      {editing && a && editing.kind !== 'remove' && (
        <form className="st-form" onSubmit={submit} noValidate>
          <h2 id="account-edit-title" className="st-wrap">
            {editing.kind === 'rename' ? `Rename “${a.name}”` : `Rotate the key of “${a.name}”`}
          </h2>
          {editing.kind === 'rename' ? (
            <div className="st-field">
              <label htmlFor="edit-account-name">New name</label>
              <input id="edit-account-name" name="name" defaultValue={a.name} maxLength={100} autoComplete="off" {...describedBy('edit-account-name-error', errors.name)} />
              <FieldError id="edit-account-name-error" text={errors.name} />
            </div>
          ) : (
            <div className="st-field">
              <p className="st-hint">
                The new key is checked with Jules before it replaces {masked(a.keyLast4)}. Revoke the old key in Jules afterwards.
              </p>
              <label htmlFor="edit-account-key">New API key</label>
              <input id="edit-account-key" name="apiKey" type="password" autoComplete="off" spellCheck={false} maxLength={512} {...describedBy('edit-account-key-error', errors.apiKey)} />
              <FieldError id="edit-account-key-error" text={errors.apiKey} />
            </div>
          )}
          {formError && (
            <p className="st-error" role="alert">
              {formError}
            </p>
          )}
          <div className="st-actions">
            <button type="button" onClick={close}>
              Cancel
            </button>
            <button type="submit" className="primary" disabled={pending}>
              {pending ? (editing.kind === 'rotate' ? 'Checking the key…' : 'Saving…') : editing.kind === 'rotate' ? 'Check and rotate' : 'Rename'}
            </button>
          </div>
        </form>
      )}
      {editing && a && editing.kind === 'remove' && (
        <div className="st-form">
          <h2 id="account-edit-title" className="st-wrap">
            Remove “{a.name}”?
          </h2>
          <p className="st-wrap" data-testid="remove-account-consequence">
            {count.data === undefined
              ? 'Counting its mirrored sessions…'
              : count.data === 0
                ? 'No mirrored sessions go with it.'
                : count.data === 1
                  ? 'Its 1 mirrored session goes with it, with its activities.'
                  : `Its ${count.data} mirrored sessions go with it, with their activities.`}{' '}
            The sessions stay on Jules; the key stays valid in Jules until you revoke it there.
          </p>
          {formError && (
            <p className="st-error" role="alert">
              {formError}
            </p>
          )}
          <div className="st-actions">
            <button type="button" onClick={close}>
              Keep it
            </button>
            <button type="button" className="danger" disabled={pending || count.data === undefined} onClick={() => remove.mutate(a.id)}>
              {remove.isPending ? 'Removing…' : 'Remove account'}
            </button>
          </div>
        </div>
      )}
    </Modal>
  );
}

/**
 * Settings → Jules accounts: the API keys sessions are mirrored from (key as ••••last4, origin, last sync and its
 * error in plain words, sessions mirrored, the repositories Jules lists), connect one (checked live by the server
 * before it is saved), rename, rotate, remove. Lower roles see everything but the actions, with the reason.
 */
export function AccountsSettings() {
  const me = useMe();
  const accounts = useJulesAccounts();
  const [editing, setEditing] = useState<Editing>(null);
  const [added, setAdded] = useState<JulesAccount | null>(null);
  const items = accounts.data?.items ?? [];
  return (
    <section aria-labelledby="settings-accounts" className="st-section">
      <h2 id="settings-accounts">Jules accounts</h2>
      <p className="st-lead">
        Each account is a Jules API key. Its sessions are mirrored here, and new sessions start on the repositories Jules lists for it.
      </p>
      {(me.isError || accounts.isError) && <ErrorNote error={me.error ?? accounts.error} retry={() => void (me.refetch(), accounts.refetch())} />}
      {accounts.isLoading && <p className="st-muted">Loading…</p>}
      {accounts.data && items.length === 0 && <p className="st-note">No Jules account yet: connect one below to see and start sessions.</p>}
      {me.data && items.length > 0 && (
        <ul className="st-list" aria-label="Jules accounts">
          {items.map((a) => (
            <AccountItem key={a.id} a={a} me={me.data} onEdit={setEditing} />
          ))}
        </ul>
      )}
      {added && (
        <p className="st-note" role="status" data-testid="account-added">
          Connected “{added.name}”: Jules accepted the key ({masked(added.keyLast4)}). Its sessions appear on the board after the next sync.
        </p>
      )}
      {me.data && (isAdmin(me.data) ? <AddAccountForm onAdded={setAdded} /> : <p className="st-note">{ADMINS_ONLY} Your key is a {me.data.key.role} key.</p>)}
      <EditDialog editing={editing} onClose={() => setEditing(null)} />
    </section>
  );
}
