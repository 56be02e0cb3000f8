import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { CreateApiKeyBody, type ApiKeyInfo, type Me, type Role } from '@autopilot/contracts';
import { useApi, useMe } from '../../lib/api';
import { ago } from '../../lib/format';
import { ErrorNote } from '../../lib/ui';
import { dateTime, describedBy, errorsOf, FieldError, isAdmin, Modal, RANK } from './settings-ui';
import { LimitFields, limitsOf, limitsValueOf, ScopePicker, scopesFromState, scopeStateOf, UsageBar, type LimitsValue, type ScopeState } from './key-parts';
import { hasKeyUpdate, hasKeyUsage, keyCalls, keysTakeLimits, keysTakeScopes, type KeyInfo } from './key-data';
import { scopesText } from './key-scopes';

const keysKey = ['settings', 'keys'] as const;
const ROLES: Role[] = ['owner', 'admin', 'member', 'viewer'];
const ROLE_HELP: Record<Role, string> = {
  owner: 'everything, including owner and admin keys and the workspace',
  admin: 'settings, providers, routing, member and viewer keys',
  member: 'sessions and the keeper, no settings',
  viewer: 'reads only',
};
type Expiry = 'never' | '7' | '30' | '90' | 'date';

/** Roles a caller may mint: owners every role; admins members and viewers (owner and admin keys by owners only). */
const mintable = (role: Role): Role[] => (role === 'owner' ? ROLES : role === 'admin' ? ['member', 'viewer'] : []);
/** Whether the caller may revoke a key of `target` role (the server applies the same rule). */
const mayRevoke = (role: Role, target: Role) => role === 'owner' || (role === 'admin' && RANK[target] < RANK.admin);

/** The expiry as sent: never (null), N days from now, or the end of a chosen day in local time. */
function expiryOf(choice: Expiry, date: string): { value: string | null } | { error: string } {
  if (choice === 'never') return { value: null };
  if (choice !== 'date') return { value: new Date(Date.now() + Number(choice) * 86_400_000).toISOString() };
  if (!date) return { error: 'Pick the day the key stops working' };
  const end = new Date(`${date}T23:59:59`);
  if (Number.isNaN(end.getTime())) return { error: 'Not a valid date' };
  if (end.getTime() <= Date.now()) return { error: 'Pick a day in the future' };
  return { value: end.toISOString() };
}

function CreateKeyForm({ me, onCreated }: { me: Me; onCreated: (k: ApiKeyInfo & { key: string }) => void }) {
  const api = useApi();
  const qc = useQueryClient();
  const roles = mintable(me.key.role);
  const [expiry, setExpiry] = useState<Expiry>('90');
  const [role, setRole] = useState<Role>('member');
  const [scopes, setScopes] = useState<ScopeState>(() => scopeStateOf(null));
  const [limits, setLimits] = useState<LimitsValue>(() => limitsValueOf(null));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: (body: CreateApiKeyBody) => api.keys.create(body),
    onSuccess: (k, _v) => {
      void qc.invalidateQueries({ queryKey: keysKey });
      onCreated(k);
    },
    onError: (err) => {
      const e = errorsOf(err);
      setErrors(e.fields);
      setFormError(Object.keys(e.fields).length ? null : e.message);
    },
  });
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const exp = expiryOf(expiry, String(f.get('expiresOn') ?? ''));
    const next: Record<string, string> = {};
    if ('error' in exp) next.expiresAt = exp.error;
    const parsed = CreateApiKeyBody.safeParse({ name: String(f.get('name') ?? ''), role: String(f.get('role') ?? ''), expiresAt: 'value' in exp ? exp.value : null });
    if (!parsed.success) for (const i of parsed.error.issues) next[String(i.path[0] ?? 'form')] ??= i.path[0] === 'name' ? 'Give the key a name (1 to 100 characters), e.g. “ci-bot”' : i.message;
    setErrors(next);
    setFormError(null);
    if (Object.keys(next).length || !parsed.success) return;
    if (!scopes.everything && scopes.checked.size === 0) return setErrors({ scopes: 'Tick at least one scope, or “Everything its role allows”' });
    // Scopes and limits only when chosen: an unscoped, unlimited key is the same request as before they existed.
    const lim = limitsOf(limits);
    const body = {
      name: parsed.data.name,
      role: parsed.data.role,
      expiresAt: parsed.data.expiresAt ?? null,
      ...(!scopes.everything && { scopes: scopesFromState(scopes) }),
      ...(Object.values(lim).some((v) => v !== null) && { limits: lim }),
    };
    const reset = () => (form.reset(), setRole('member'), setExpiry('90'), setScopes(scopeStateOf(null)), setLimits(limitsValueOf(null)));
    create.mutate(body as CreateApiKeyBody, { onSuccess: reset });
  }
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  return (
    <form className="st-card st-form" onSubmit={submit} aria-labelledby="new-key-title" noValidate data-testid="create-key">
      <h3 id="new-key-title">Create a key</h3>
      <div className="st-fields">
        <div className="st-field">
          <label htmlFor="key-name">Name</label>
          <input id="key-name" name="name" maxLength={100} placeholder="ci-bot" autoComplete="off" {...describedBy('key-name-error', errors.name)} />
          <FieldError id="key-name-error" text={errors.name} />
        </div>
        <div className="st-field">
          <label htmlFor="key-role">Role</label>
          <select id="key-role" name="role" value={role} onChange={(e) => setRole(e.target.value as Role)} {...describedBy('key-role-error', errors.role)}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          <FieldError id="key-role-error" text={errors.role} />
          <span className="st-hint">Can do: {ROLE_HELP[role]}.</span>
          {me.key.role !== 'owner' && <span className="st-hint">Owner and admin keys are created by owners only.</span>}
        </div>
        <div className="st-field">
          <label htmlFor="key-expiry">Expires</label>
          <select id="key-expiry" value={expiry} onChange={(e) => setExpiry(e.target.value as Expiry)} {...describedBy('key-expiry-error', expiry !== 'date' ? errors.expiresAt : undefined)}>
            <option value="never">Never</option>
            <option value="7">In 7 days</option>
            <option value="30">In 30 days</option>
            <option value="90">In 90 days</option>
            <option value="date">On a date…</option>
          </select>
          {expiry === 'date' && (
            <>
              <label htmlFor="key-expires-on" className="st-hint">
                Last day the key works
              </label>
              <input id="key-expires-on" name="expiresOn" type="date" min={tomorrow} {...describedBy('key-expiry-error', errors.expiresAt)} />
            </>
          )}
          <FieldError id="key-expiry-error" text={errors.expiresAt} />
        </div>
      </div>
      {keysTakeScopes() && <ScopePicker idPrefix="new-key" value={scopes} onChange={setScopes} error={errors.scopes} />}
      {keysTakeLimits() && <LimitFields idPrefix="new-key" value={limits} onChange={setLimits} errors={errors} />}
      {formError && (
        <p className="st-error" role="alert">
          {formError}
        </p>
      )}
      <div className="st-actions">
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create key'}
        </button>
      </div>
    </form>
  );
}

/** The new key, shown once: copy it now, it cannot be shown again. */
function SecretDialog({ created, onClose }: { created: (ApiKeyInfo & { key: string }) | null; onClose: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  async function copy() {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied('yes');
    } catch {
      // Clipboard access can be refused (no permission, not a secure context): the text stays selectable.
      setCopied('no');
    }
  }
  return (
    <Modal open={created !== null} onClose={() => (setCopied(null), onClose())} labelledBy="secret-title" testId="key-secret-dialog">
      {created && (
        <div className="st-form">
          <h2 id="secret-title">Key “{created.name}” created</h2>
          <p className="st-warn" role="note">
            <strong>This is the only time the key is shown.</strong> Copy it now and keep it somewhere safe (a password manager or your CI’s secret
            store). It is stored only as a hash, so nobody can show it again; if it is lost, revoke it and create a new one.
          </p>
          <code className="st-secret" data-testid="key-secret" aria-label="The new API key">
            {created.key}
          </code>
          <div className="st-actions">
            <span className="st-hint" aria-live="polite">
              {copied === 'yes' ? 'Copied to the clipboard.' : copied === 'no' ? 'The browser refused the clipboard: select the key and copy it by hand.' : ''}
            </span>
            <button type="button" onClick={() => void copy()}>
              Copy key
            </button>
            <button type="button" className="primary" onClick={() => (setCopied(null), onClose())}>
              I have stored it
            </button>
          </div>
        </div>
      )}
    </Modal>
  );
}

function RevokeDialog({ target, me, onClose }: { target: ApiKeyInfo | null; me: Me; onClose: () => void }) {
  const api = useApi();
  const qc = useQueryClient();
  const revoke = useMutation({
    mutationFn: (id: string) => api.keys.revoke(id),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: keysKey });
      onClose();
    },
  });
  const own = target?.id === me.key.id;
  const close = () => {
    revoke.reset();
    onClose();
  };
  return (
    <Modal open={target !== null} onClose={close} labelledBy="revoke-title" testId="revoke-dialog">
      {target && (
        <div className="st-form">
          <h2 id="revoke-title">Revoke “{target.name}”?</h2>
          <p className="st-wrap">
            Anything using this {target.role} key stops working at once, and dashboard sessions opened with it end. This cannot be undone.
            {own && <strong> This is the key you are signed in with: you will be signed out.</strong>}
          </p>
          {revoke.isError && (
            <p className="st-error" role="alert" data-testid="revoke-error">
              {errorsOf(revoke.error).message}
            </p>
          )}
          <div className="st-actions">
            <button type="button" onClick={close}>
              Keep it
            </button>
            <button type="button" className="danger" disabled={revoke.isPending} onClick={() => revoke.mutate(target.id)}>
              {revoke.isPending ? 'Revoking…' : 'Revoke key'}
            </button>
          </div>
        </div>
      )}
    </Modal>
  );
}

/** "in 5 h", "in 3 days" until an expiry. */
function untilText(iso: string): string {
  const ms = Date.parse(iso) - Date.now();
  if (ms < 3_600_000) return `in ${Math.max(1, Math.round(ms / 60_000))} min`;
  if (ms < 2 * 86_400_000) return `in ${Math.round(ms / 3_600_000)} h`;
  return `in ${Math.round(ms / 86_400_000)} days`;
}

const usd = (v: number) => `$${v.toFixed(2)}`;

/** Requests today vs the daily quota and LLM spend this month vs the key's limit, as bars. */
function KeyUsageBars({ k }: { k: KeyInfo }) {
  const api = useApi();
  const usage = useQuery({ queryKey: [...keysKey, 'usage', k.id], queryFn: ({ signal }) => keyCalls(api).usage(k.id, signal), retry: false, staleTime: 10_000 });
  if (usage.isError) return <p className="st-hint">Usage unavailable: {errorsOf(usage.error).message}</p>;
  if (!usage.data) return <p className="st-hint">Loading usage…</p>;
  const u = usage.data;
  return (
    <div className="st-usage-row" data-testid="key-usage">
      <UsageBar label="Requests today" used={u.requestsToday} limit={u.requestsPerDay} format={(n) => n.toLocaleString()} testId="usage-requests" />
      <UsageBar label="LLM spend this month" used={u.llmUsdThisMonth} limit={u.llmUsdPerMonth} format={usd} testId="usage-llm" />
      <div className="st-usage">
        <span className="st-hint">Sessions created</span>
        <strong>{u.sessionCreates}</strong>
      </div>
    </div>
  );
}

function limitsText(l: KeyInfo['limits']): string {
  if (!l) return 'none';
  const parts = [l.ratePerMinute !== null && `${l.ratePerMinute}/min`, l.requestsPerDay !== null && `${l.requestsPerDay}/day`, l.llmUsdPerMonth !== null && `${usd(l.llmUsdPerMonth)} LLM/month`].filter(Boolean);
  return parts.length ? parts.join(' · ') : 'none';
}

/** Edit a key's name, scopes and limits (the same rules as creating one; the secret never changes). */
function EditKeyDialog({ target, onClose }: { target: KeyInfo | null; onClose: () => void }) {
  return (
    <Modal open={target !== null} onClose={onClose} labelledBy="edit-key-title" testId="edit-key-dialog">
      {target && <EditKeyForm key={target.id} target={target} onClose={onClose} />}
    </Modal>
  );
}

function EditKeyForm({ target, onClose }: { target: KeyInfo; onClose: () => void }) {
  const api = useApi();
  const qc = useQueryClient();
  const [name, setName] = useState(target.name);
  const [scopes, setScopes] = useState<ScopeState>(() => scopeStateOf(target.scopes));
  const [limits, setLimits] = useState<LimitsValue>(() => limitsValueOf(target.limits));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: () => keyCalls(api).update(target.id, { name: name.trim(), scopes: scopes.everything ? null : scopesFromState(scopes), limits: limitsOf(limits) }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: keysKey });
      onClose();
    },
    onError: (err) => setErrors(errorsOf(err).fields),
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) return setErrors({ name: 'Give the key a name' });
    if (!scopes.everything && scopes.checked.size === 0) return setErrors({ scopes: 'Tick at least one scope, or “Everything its role allows”' });
    setErrors({});
    save.mutate();
  }
  return (
    <form className="st-form" onSubmit={submit} noValidate>
      <h2 id="edit-key-title">Edit “{target.name}”</h2>
      <div className="st-field">
        <label htmlFor="edit-key-name">Name</label>
        <input id="edit-key-name" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} {...describedBy('edit-key-name-error', errors.name)} />
        <FieldError id="edit-key-name-error" text={errors.name} />
      </div>
      <ScopePicker idPrefix="edit-key" value={scopes} onChange={setScopes} error={errors.scopes} />
      <LimitFields idPrefix="edit-key" value={limits} onChange={setLimits} errors={errors} />
      {save.isError && Object.keys(errorsOf(save.error).fields).length === 0 && (
        <p className="st-error" role="alert">
          {errorsOf(save.error).message}
        </p>
      )}
      <div className="st-actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save changes'}
        </button>
      </div>
    </form>
  );
}

function KeyItem({ k, me, onRevoke, onEdit }: { k: KeyInfo; me: Me; onRevoke: (k: ApiKeyInfo) => void; onEdit: (k: KeyInfo) => void }) {
  const expired = !k.revokedAt && k.expiresAt !== null && Date.parse(k.expiresAt) <= Date.now();
  const canRevoke = !k.revokedAt && isAdmin(me) && mayRevoke(me.key.role, k.role);
  return (
    <li className={`st-item${k.revokedAt ? ' revoked' : ''}`} data-key-name={k.name} data-testid="key-item">
      <div className="st-item-head">
        <strong>{k.name}</strong>
        <span className="pill">{k.role}</span>
        {k.id === me.key.id && <span className="pill pill-ok">this key</span>}
        {k.revokedAt ? (
          <span className="pill pill-down">revoked {ago(k.revokedAt)}</span>
        ) : expired ? (
          <span className="pill pill-down">expired</span>
        ) : k.expiresAt && Date.parse(k.expiresAt) - Date.now() < 7 * 86_400_000 ? (
          <span className="pill pill-degraded">expires {untilText(k.expiresAt)}</span>
        ) : null}
        <span className="st-grow" />
        {canRevoke && hasKeyUpdate() && (
          <button type="button" onClick={() => onEdit(k)}>
            Edit
          </button>
        )}
        {canRevoke && (
          <button type="button" className="danger" onClick={() => onRevoke(k)}>
            Revoke
          </button>
        )}
      </div>
      <dl className="st-facts">
        <div>
          <dt>Public id</dt>
          <dd className="st-mono">{k.prefix || (k.publicId ?? '— (no public part)')}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd title={dateTime(k.createdAt)}>{dateTime(k.createdAt)}</dd>
        </div>
        <div>
          <dt>Last used</dt>
          <dd title={k.lastUsedAt ? dateTime(k.lastUsedAt) : undefined}>{k.lastUsedAt ? ago(k.lastUsedAt) : 'never'}</dd>
        </div>
        <div>
          <dt>Expires</dt>
          <dd>
            {k.expiresAt ? dateTime(k.expiresAt) : 'never'}
            {k.expiresAt && !k.revokedAt && !expired && <span className="st-muted"> ({untilText(k.expiresAt)})</span>}
          </dd>
        </div>
        <div>
          <dt>Scopes</dt>
          <dd data-testid="key-scopes">{scopesText(k.scopes)}</dd>
        </div>
        <div>
          <dt>Limits</dt>
          <dd data-testid="key-limits">{limitsText(k.limits)}</dd>
        </div>
        <div>
          <dt>Created by</dt>
          <dd>{k.createdBy ? k.createdBy.name : <span className="st-muted" title="Keys made at server start or with a new workspace, and keys from before this was recorded, have no creator on record">not recorded</span>}</dd>
        </div>
      </dl>
      {!k.revokedAt && !expired && hasKeyUsage() && <KeyUsageBars k={k} />}
    </li>
  );
}

/** Settings → API keys: the workspace's keys (never a secret), create one (shown once), revoke with confirmation. */
export function KeysSettings() {
  const api = useApi();
  const me = useMe();
  const keys = useQuery({ queryKey: keysKey, queryFn: () => api.keys.list() });
  const [created, setCreated] = useState<(ApiKeyInfo & { key: string }) | null>(null);
  const [revoking, setRevoking] = useState<ApiKeyInfo | null>(null);
  const [editing, setEditing] = useState<KeyInfo | null>(null);
  const [showRevoked, setShowRevoked] = useState(false);
  const items = keys.data?.items ?? [];
  const revoked = items.filter((k) => k.revokedAt);
  const shown = showRevoked ? items : items.filter((k) => !k.revokedAt);
  return (
    <section aria-labelledby="settings-keys" className="st-section">
      <h2 id="settings-keys">API keys</h2>
      <p className="st-lead">
        Keys let scripts, the CLI and the dashboard in. Each has a role, may be narrowed to some scopes (what it may read or change) and limited
        (requests per minute and per day, LLM spend per month); only its public id is ever shown again after it is created.
      </p>
      {me.data && !isAdmin(me.data) && (
        <p className="st-note" data-testid="keys-readonly">
          Your key is a <strong>{me.data.key.role}</strong> key: you can see this workspace’s keys, but only admins and owners create or revoke them.
          Secrets are never shown here.
        </p>
      )}
      {me.data && isAdmin(me.data) && <CreateKeyForm me={me.data} onCreated={setCreated} />}
      {keys.isError ? (
        <ErrorNote error={keys.error} retry={() => void keys.refetch()} />
      ) : !keys.data || !me.data ? (
        <p className="muted">Loading keys…</p>
      ) : (
        <>
          <div className="st-actions start">
            <h3 style={{ margin: 0 }}>
              {items.length - revoked.length} active key{items.length - revoked.length === 1 ? '' : 's'}
            </h3>
            {revoked.length > 0 && (
              <label className="st-hint" style={{ display: 'inline-flex', gap: '0.3rem', alignItems: 'center' }}>
                <input type="checkbox" checked={showRevoked} onChange={(e) => setShowRevoked(e.target.checked)} /> show {revoked.length} revoked
              </label>
            )}
          </div>
          <ul className="st-list" aria-label="API keys">
            {shown.map((k) => (
              <KeyItem key={k.id} k={k} me={me.data} onRevoke={setRevoking} onEdit={setEditing} />
            ))}
          </ul>
        </>
      )}
      <SecretDialog created={created} onClose={() => setCreated(null)} />
      {me.data && <RevokeDialog target={revoking} me={me.data} onClose={() => setRevoking(null)} />}
      <EditKeyDialog target={editing} onClose={() => setEditing(null)} />
    </section>
  );
}
