import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  defaultRepoAutomation, PutGitHubWebhookBody, PutRepoAutomationBody, type ArchiveFinishedResult, type GitHubConnection, type GitHubWebhook, type Me,
  type RepoAutomation,
} from '@autopilot/contracts';
import { useApi, useMe } from '../../lib/api';
import { useToast } from '../../lib/toasts';
import { ErrorNote, Switch } from '../../lib/ui';
import { dateTime, describedBy, errorsOf, FieldError, isAdmin, Modal, RANK } from '../settings/settings-ui';
import { githubKeys, usePullsApi } from './data';
import { issuesToFields } from './form';
import { absoluteUrl } from './logic';
import './github.css';

const canMember = (me: Me | undefined) => !!me && RANK[me.key.role] >= RANK.member;

function tokenMistakes(token: string, apiUrl: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!token) out.token = 'Paste the token';
  else if (!/^[\x21-\x7e]+$/.test(token)) out.token = 'A token is printable ASCII without spaces';
  if (apiUrl && !/^https?:\/\/[^\s/]+/.test(apiUrl)) out.apiUrl = 'Give a URL starting with http:// or https://';
  return out;
}

/** What an app connection shows (read structurally: the connection kinds grow as GitHub Apps land). */
interface AppFacts {
  appSlug?: string;
  account?: string;
  installationId?: number;
  repositories?: number | null;
  tokenExpiresAt?: string | null;
}

/* ------------------------------------------------------------------ connection */

function TokenForm({ current, onDone }: { current: GitHubConnection; onDone?: () => void }) {
  const api = useApi();
  const qc = useQueryClient();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const connect = useMutation({
    mutationFn: (body: { token: string; apiUrl?: string }) => api.github.connect(body),
    onSuccess: (c) => {
      qc.setQueryData(githubKeys.connection, c);
      void qc.invalidateQueries({ queryKey: githubKeys.all });
      setErrors({});
      setMessage(null);
      onDone?.();
    },
    onError: (err) => {
      const e = errorsOf(err);
      setErrors(e.fields);
      setMessage(Object.keys(e.fields).length ? null : e.message);
    },
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const apiUrl = String(f.get('apiUrl') ?? '').trim();
    const token = String(f.get('token') ?? '').trim();
    // The obvious mistakes at once; everything else (a token GitHub refuses, a bad URL) comes back as the 400's field.
    const local = tokenMistakes(token, apiUrl);
    if (Object.keys(local).length) return setErrors(local);
    setErrors({});
    setMessage(null);
    connect.mutate({ token, ...(apiUrl && { apiUrl }) });
  };
  return (
    <form className="st-form" onSubmit={submit} noValidate aria-label="GitHub token" data-testid="gh-token-form">
      <div className="st-fields">
        <div className="st-field">
          <label htmlFor="gh-token">{current.kind === 'none' ? 'Token' : 'New token'}</label>
          <input id="gh-token" name="token" type="password" autoComplete="off" spellCheck={false} placeholder="github_pat_…" {...describedBy('gh-token-error', errors.token)} />
          <FieldError id="gh-token-error" text={errors.token} />
          <span className="st-hint">A fine-grained token with read access to pull requests, checks and contents (write, to merge). Checked live, stored encrypted, never shown again.</span>
        </div>
        <div className="st-field">
          <label htmlFor="gh-apiurl">API URL (GitHub Enterprise only)</label>
          <input id="gh-apiurl" name="apiUrl" autoComplete="off" placeholder="https://github.example.com/api/v3" {...describedBy('gh-apiurl-error', errors.apiUrl)} />
          <FieldError id="gh-apiurl-error" text={errors.apiUrl} />
          {/* Not prefilled: empty means the server's default (GITHUB_API_URL), which a user-given URL may not be allowed to name. */}
          <span className="st-hint">{current.kind === 'none' ? 'Empty: the server’s default GitHub.' : `Now: ${current.apiUrl}. Empty: the server’s default.`}</span>
        </div>
      </div>
      {message && (
        <p className="st-error" role="alert">
          {message}
        </p>
      )}
      <div className="st-actions start">
        <button type="submit" className="primary" disabled={connect.isPending} data-testid="gh-connect">
          {connect.isPending ? 'Checking…' : current.kind === 'none' ? 'Connect GitHub' : 'Replace token'}
        </button>
        {onDone && (
          <button type="button" onClick={onDone}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

function AppFactsList({ a }: { a: AppFacts }) {
  return (
    <>
      <div>
        <dt>GitHub App</dt>
        <dd className="st-mono">{a.appSlug ?? '—'}</dd>
      </div>
      <div>
        <dt>Installed on</dt>
        <dd>
          {a.account ?? '—'} <span className="st-muted">#{a.installationId ?? '—'}</span>
        </dd>
      </div>
      <div>
        <dt>Repositories</dt>
        <dd>{a.repositories ?? '—'}</dd>
      </div>
      <div>
        <dt>Installation token renews</dt>
        <dd>{dateTime(a.tokenExpiresAt)}</dd>
      </div>
    </>
  );
}

function ConnectionCard({ me }: { me: Me | undefined }) {
  const api = useApi();
  const qc = useQueryClient();
  const toast = useToast();
  const admin = isAdmin(me);
  const [replacing, setReplacing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const conn = useQuery({ queryKey: githubKeys.connection, queryFn: ({ signal }) => api.github.connection(signal), refetchInterval: 60_000 });
  const disconnect = useMutation({
    mutationFn: () => api.github.disconnect(),
    onSuccess: (c) => {
      qc.setQueryData(githubKeys.connection, c);
      void qc.invalidateQueries({ queryKey: githubKeys.all });
      setConfirming(false);
    },
    onError: (err: Error) => toast({ title: 'Could not disconnect GitHub', body: err.message, level: 'error' }),
  });
  if (conn.isError) return <ErrorNote error={conn.error} retry={() => void conn.refetch()} />;
  const c = conn.data;
  return (
    <div className="st-card gh-card" data-testid="gh-connection">
      <div className="st-item-head">
        <h3 style={{ margin: 0 }}>Connection</h3>
        {c?.kind === 'token' && <span className={`pill ${c.lastError ? 'pill-degraded' : 'pill-ok'}`}>{c.lastError ? 'error' : 'connected'}</span>}
        {c?.kind === 'none' && <span className="pill">not connected</span>}
        <span className="st-grow" />
        {admin && c?.kind === 'token' && !replacing && (
          <>
            <button type="button" onClick={() => setReplacing(true)}>
              Replace token
            </button>
            <button type="button" className="danger" onClick={() => setConfirming(true)}>
              Disconnect
            </button>
          </>
        )}
      </div>
      {!c ? (
        <p className="muted">Loading…</p>
      ) : c.kind === 'none' ? (
        <>
          <p className="st-lead">Connect GitHub so sessions' pull requests, their checks and reviews show here and the GitHub loop can act on them.</p>
          {admin ? <TokenForm current={c} /> : <p className="st-hint">Only admins and owners connect GitHub.</p>}
        </>
      ) : (
        <>
          <dl className="st-facts">
            <div>
              <dt>Account</dt>
              <dd data-testid="gh-login">{c.login}</dd>
            </div>
            {c.kind === 'token' ? (
              <div>
                <dt>Token</dt>
                <dd className="st-mono">…{c.tokenLast4}</dd>
              </div>
            ) : (
              <AppFactsList a={c as unknown as AppFacts} />
            )}
            <div>
              <dt>API</dt>
              <dd className="st-mono">{c.apiUrl}</dd>
            </div>
            <div>
              <dt>Rate limit left</dt>
              <dd data-testid="gh-rate">{c.rateLimit.remaining === null ? '—' : `${c.rateLimit.remaining.toLocaleString()}${c.rateLimit.limit ? ` of ${c.rateLimit.limit.toLocaleString()}` : ''}`}</dd>
            </div>
            <div>
              <dt>Resets</dt>
              <dd>{dateTime(c.rateLimit.resetAt)}</dd>
            </div>
            <div>
              <dt>Connected</dt>
              <dd>{dateTime(c.createdAt)}</dd>
            </div>
          </dl>
          {c.lastError && (
            <p className="st-error" data-testid="gh-last-error">
              Last error: {c.lastError}
            </p>
          )}
          {replacing && <TokenForm current={c} onDone={() => setReplacing(false)} />}
        </>
      )}
      <Modal open={confirming} onClose={() => setConfirming(false)} labelledBy="gh-disconnect-title">
        <h2 id="gh-disconnect-title">Disconnect GitHub?</h2>
        <p>The stored token is deleted. PRs and CI runs already read stay; nothing new is read and no automation acts until a token is given again.</p>
        <div className="st-actions">
          <button type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
          <button type="button" className="primary" onClick={() => disconnect.mutate()} disabled={disconnect.isPending}>
            Disconnect
          </button>
        </div>
      </Modal>
    </div>
  );
}

/* ------------------------------------------------------------------ webhook */

function WebhookCard({ me }: { me: Me | undefined }) {
  const pulls = usePullsApi();
  const qc = useQueryClient();
  const toast = useToast();
  const admin = isAdmin(me);
  const [own, setOwn] = useState(false);
  const [secretError, setSecretError] = useState<string | undefined>();
  const [shown, setShown] = useState<string | null>(null);
  const hook = useQuery({ queryKey: githubKeys.webhook, queryFn: ({ signal }) => pulls.webhook(signal), refetchInterval: 30_000, retry: false });
  const save = useMutation({
    mutationFn: (body: PutGitHubWebhookBody) => pulls.setWebhook(body),
    onSuccess: (w) => {
      const { secret, ...rest } = w;
      qc.setQueryData<GitHubWebhook>(githubKeys.webhook, rest);
      setOwn(false);
      setSecretError(undefined);
      if (secret) setShown(secret);
      else toast({ title: 'Webhook secret saved', level: 'success' });
    },
    onError: (err) => {
      const e = errorsOf(err);
      setSecretError(e.fields.secret ?? e.message);
    },
  });
  const remove = useMutation({
    mutationFn: () => pulls.deleteWebhook(),
    onSuccess: (w) => qc.setQueryData(githubKeys.webhook, w),
    onError: (err: Error) => toast({ title: 'Could not remove the webhook secret', body: err.message, level: 'error' }),
  });
  const copy = async (text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      toast({ title: 'Copied', level: 'success' });
    } catch {
      toast({ title: 'Copy it by hand', body: 'The browser did not allow copying.', level: 'warning' });
    }
  };
  const submitOwn = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const parsed = PutGitHubWebhookBody.safeParse({ secret: String(new FormData(e.currentTarget).get('secret') ?? '') });
    if (!parsed.success) return setSecretError(issuesToFields(parsed.error.issues).secret ?? 'Check the secret');
    save.mutate(parsed.data);
  };
  if (hook.isError) return <ErrorNote error={hook.error} retry={() => void hook.refetch()} />;
  const w = hook.data && { ...hook.data, url: absoluteUrl(hook.data.url, window.location.origin) };
  return (
    <div className="st-card gh-card" data-testid="gh-webhook">
      <div className="st-item-head">
        <h3 style={{ margin: 0 }}>Webhook</h3>
        {w && <span className={`pill ${w.secretSet ? 'pill-ok' : ''}`}>{w.secretSet ? 'secret set' : 'no secret'}</span>}
      </div>
      {!w ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          <p className="st-lead">
            On GitHub (repository or organization → Settings → Webhooks), add this payload URL with content type <code>application/json</code>, the secret below,
            and the events Pull requests, Pull request reviews, Check runs and Check suites.
          </p>
          <div className="st-field">
            <label htmlFor="gh-hook-url">Payload URL</label>
            <div className="gh-copy">
              <input id="gh-hook-url" readOnly value={w.url} onFocus={(e) => e.currentTarget.select()} data-testid="gh-hook-url" />
              <button type="button" onClick={() => void copy(w.url)}>
                Copy
              </button>
            </div>
          </div>
          <dl className="st-facts">
            <div>
              <dt>Secret</dt>
              <dd className="st-mono">{w.secretSet ? `…${w.secretLast4 ?? ''}` : 'none'}</dd>
            </div>
            <div>
              <dt>Deliveries accepted</dt>
              <dd data-testid="gh-deliveries">{w.deliveries.toLocaleString()}</dd>
            </div>
            <div>
              <dt>Refused (bad signature)</dt>
              <dd>{w.rejected.toLocaleString()}</dd>
            </div>
            <div>
              <dt>Last delivery</dt>
              <dd>{dateTime(w.lastDeliveryAt)}</dd>
            </div>
            <div>
              <dt>Polling</dt>
              <dd data-testid="gh-polling">{w.polling}</dd>
            </div>
          </dl>
          <p className="st-hint">
            {w.polling === 'primary'
              ? 'Polling is primary: no webhook has delivered lately, so PRs are read at the normal poll rate (conditional requests cost no rate limit when nothing changed).'
              : 'Webhooks feed the PRs; polling only catches up slowly in case a delivery is lost.'}
          </p>
          {admin ? (
            <>
              <div className="st-actions start">
                <button type="button" className="primary" onClick={() => save.mutate({})} disabled={save.isPending} data-testid="gh-generate-secret">
                  {w.secretSet ? 'Generate a new secret' : 'Generate a secret'}
                </button>
                <button type="button" onClick={() => setOwn((v) => !v)} aria-expanded={own}>
                  Use my own secret
                </button>
                {w.secretSet && (
                  <button type="button" className="danger" onClick={() => remove.mutate()} disabled={remove.isPending}>
                    Remove secret
                  </button>
                )}
              </div>
              {own && (
                <form className="st-form" onSubmit={submitOwn} noValidate aria-label="Webhook secret">
                  <div className="st-field">
                    <label htmlFor="gh-secret">Secret</label>
                    <input id="gh-secret" name="secret" type="password" autoComplete="off" {...describedBy('gh-secret-error', secretError)} />
                    <FieldError id="gh-secret-error" text={secretError} />
                    <span className="st-hint">16 to 256 printable characters, no spaces; the same text as on GitHub.</span>
                  </div>
                  <div className="st-actions start">
                    <button type="submit" className="primary" disabled={save.isPending}>
                      Save secret
                    </button>
                  </div>
                </form>
              )}
              {!own && secretError && (
                <p className="st-error" role="alert">
                  {secretError}
                </p>
              )}
            </>
          ) : (
            <p className="st-hint">Only admins and owners set the webhook secret.</p>
          )}
        </>
      )}
      <Modal open={shown !== null} onClose={() => setShown(null)} labelledBy="gh-secret-title" testId="gh-secret-dialog">
        <h2 id="gh-secret-title">The webhook secret</h2>
        <p>Paste it into the webhook's Secret field on GitHub now: it is shown only this once.</p>
        <code className="st-secret" data-testid="gh-secret-value">
          {shown}
        </code>
        <div className="st-actions">
          <button type="button" onClick={() => shown && void copy(shown)}>
            Copy
          </button>
          <button type="button" className="primary" onClick={() => setShown(null)}>
            Done
          </button>
        </div>
      </Modal>
    </div>
  );
}

/* ------------------------------------------------------------------ automation */

interface Draft {
  ciFix: { enabled: boolean; maxPerPr: string; maxPerRepoPerDay: string; afterCap: RepoAutomation['ciFix']['afterCap'] };
  reviewFix: { enabled: boolean };
  merge: { enabled: boolean; method: RepoAutomation['merge']['method']; useAutoMerge: boolean; maxRebaseAsks: string };
  archive: { auto: boolean };
  optOutLabel: string;
}
const draftOf = (a: RepoAutomation): Draft => ({
  ciFix: { ...a.ciFix, maxPerPr: String(a.ciFix.maxPerPr), maxPerRepoPerDay: String(a.ciFix.maxPerRepoPerDay) },
  reviewFix: { ...a.reviewFix },
  merge: { ...a.merge, maxRebaseAsks: String(a.merge.maxRebaseAsks) },
  archive: { ...a.archive },
  optOutLabel: a.optOutLabel,
});
const num = (s: string) => (s.trim() === '' ? Number.NaN : Number(s));

function NumberField({ id, label, value, onChange, error, disabled, min, max, hint }: { id: string; label: string; value: string; onChange: (v: string) => void; error?: string; disabled: boolean; min: number; max: number; hint?: string }) {
  return (
    <div className="st-field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="number" inputMode="numeric" min={min} max={max} step={1} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)} {...describedBy(`${id}-error`, error)} data-testid={id} />
      <FieldError id={`${id}-error`} text={error} />
      <span className="st-hint">
        {min}–{max}
        {hint ? ` · ${hint}` : ''}
      </span>
    </div>
  );
}

function RepoForm({ a, admin }: { a: RepoAutomation; admin: boolean }) {
  const pulls = usePullsApi();
  const qc = useQueryClient();
  const [d, setD] = useState<Draft>(() => draftOf(a));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: (body: PutRepoAutomationBody) => pulls.setAutomation(body),
    onSuccess: (next) => {
      qc.setQueryData<{ items: RepoAutomation[] }>(githubKeys.automation, (old) => (old ? { items: old.items.map((x) => (x.repo === next.repo ? next : x)) } : old));
      setD(draftOf(next));
      setErrors({});
      setSaved(true);
    },
    onError: (err) => {
      const e = errorsOf(err);
      setErrors(Object.keys(e.fields).length ? e.fields : { form: e.message });
    },
  });
  const off = !admin || save.isPending;
  const edit = (f: (x: Draft) => Draft) => {
    setSaved(false);
    setD(f);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = {
      repo: a.repo,
      ciFix: { enabled: d.ciFix.enabled, maxPerPr: num(d.ciFix.maxPerPr), maxPerRepoPerDay: num(d.ciFix.maxPerRepoPerDay), afterCap: d.ciFix.afterCap },
      reviewFix: d.reviewFix,
      merge: { enabled: d.merge.enabled, method: d.merge.method, useAutoMerge: d.merge.useAutoMerge, maxRebaseAsks: num(d.merge.maxRebaseAsks) },
      archive: d.archive,
      optOutLabel: d.optOutLabel,
    };
    // The same schema the server checks with, so a mistake is marked at once; the server's 400 lands the same way.
    const parsed = PutRepoAutomationBody.safeParse(body);
    if (!parsed.success) return setErrors(issuesToFields(parsed.error.issues));
    setErrors({});
    save.mutate(parsed.data);
  };
  const id = (f: string) => `gh-${a.repo.replace(/[^A-Za-z0-9]/g, '-')}-${f}`;
  return (
    <form className="st-form" onSubmit={submit} noValidate aria-label={`Automation of ${a.repo}`} data-testid="gh-automation-form" data-repo={a.repo}>
      <fieldset className="gh-fieldset" disabled={!admin}>
        <legend>CI fixing</legend>
        <Switch checked={d.ciFix.enabled} disabled={off} label="Message the session with a diagnosis when its PR's checks fail" onChange={(v) => edit((x) => ({ ...x, ciFix: { ...x.ciFix, enabled: v } }))} testId={id('cifix')} />
        <div className="st-fields">
          <NumberField id={id('maxPerPr')} label="Attempts per PR" value={d.ciFix.maxPerPr} min={0} max={20} disabled={off} error={errors['ciFix.maxPerPr']} onChange={(v) => edit((x) => ({ ...x, ciFix: { ...x.ciFix, maxPerPr: v } }))} hint="counted forever" />
          <NumberField id={id('maxPerRepoPerDay')} label="Attempts per repository per day" value={d.ciFix.maxPerRepoPerDay} min={0} max={1000} disabled={off} error={errors['ciFix.maxPerRepoPerDay']} onChange={(v) => edit((x) => ({ ...x, ciFix: { ...x.ciFix, maxPerRepoPerDay: v } }))} hint="UTC day" />
          <div className="st-field">
            <label htmlFor={id('afterCap')}>After the cap</label>
            <select id={id('afterCap')} value={d.ciFix.afterCap} disabled={off} onChange={(e) => edit((x) => ({ ...x, ciFix: { ...x.ciFix, afterCap: e.target.value as Draft['ciFix']['afterCap'] } }))} {...describedBy(`${id('afterCap')}-error`, errors['ciFix.afterCap'])}>
              <option value="escalate">Tell a person</option>
              <option value="new_session">New session once, then tell a person</option>
            </select>
            <FieldError id={`${id('afterCap')}-error`} text={errors['ciFix.afterCap']} />
            <span className="st-hint">{d.ciFix.afterCap === 'escalate' ? 'A notification with the diagnosis.' : 'A session “fix CI on PR #n” through the dispatcher, once per PR.'}</span>
          </div>
        </div>
      </fieldset>
      <fieldset className="gh-fieldset" disabled={!admin}>
        <legend>Reviews</legend>
        <Switch checked={d.reviewFix.enabled} disabled={off} label="Send a review requesting changes to the session (once per review, same caps)" onChange={(v) => edit((x) => ({ ...x, reviewFix: { enabled: v } }))} testId={id('reviewfix')} />
      </fieldset>
      <fieldset className="gh-fieldset" disabled={!admin}>
        <legend>Merging</legend>
        <Switch checked={d.merge.enabled} disabled={off} label="Merge when checks are green and required reviews are present" onChange={(v) => edit((x) => ({ ...x, merge: { ...x.merge, enabled: v } }))} testId={id('merge')} />
        <div className="st-fields">
          <div className="st-field">
            <label htmlFor={id('method')}>Method</label>
            <select id={id('method')} value={d.merge.method} disabled={off} onChange={(e) => edit((x) => ({ ...x, merge: { ...x.merge, method: e.target.value as Draft['merge']['method'] } }))} {...describedBy(`${id('method')}-error`, errors['merge.method'])}>
              <option value="squash">Squash</option>
              <option value="merge">Merge commit</option>
              <option value="rebase">Rebase</option>
            </select>
            <FieldError id={`${id('method')}-error`} text={errors['merge.method']} />
          </div>
          <NumberField id={id('maxRebaseAsks')} label="Rebase asks before re-dispatching" value={d.merge.maxRebaseAsks} min={0} max={10} disabled={off} error={errors['merge.maxRebaseAsks']} onChange={(v) => edit((x) => ({ ...x, merge: { ...x.merge, maxRebaseAsks: v } }))} />
        </div>
        <Switch checked={d.merge.useAutoMerge} disabled={off} label="Use GitHub's auto-merge where the repository allows it" onChange={(v) => edit((x) => ({ ...x, merge: { ...x.merge, useAutoMerge: v } }))} testId={id('automerge')} />
      </fieldset>
      <fieldset className="gh-fieldset" disabled={!admin}>
        <legend>Archiving and opt-out</legend>
        <Switch checked={d.archive.auto} disabled={off} label="Archive the session on Jules once its PR is merged or closed" onChange={(v) => edit((x) => ({ ...x, archive: { auto: v } }))} testId={id('archive')} />
        <div className="st-field">
          <label htmlFor={id('optout')}>Opt-out label</label>
          <input id={id('optout')} value={d.optOutLabel} maxLength={100} disabled={off} onChange={(e) => edit((x) => ({ ...x, optOutLabel: e.target.value }))} {...describedBy(`${id('optout')}-error`, errors.optOutLabel)} data-testid={id('optout')} />
          <FieldError id={`${id('optout')}-error`} text={errors.optOutLabel} />
          <span className="st-hint">A PR with this label is left alone by every automation.</span>
        </div>
      </fieldset>
      {errors.form && (
        <p className="st-error" role="alert">
          {errors.form}
        </p>
      )}
      {admin && (
        <div className="st-actions">
          {saved && (
            <span className="st-hint" role="status">
              Saved.
            </span>
          )}
          <button type="button" disabled={off} onClick={() => (setD(draftOf(a)), setErrors({}))}>
            Reset
          </button>
          <button type="submit" className="primary" disabled={off} data-testid={id('save')}>
            {save.isPending ? 'Saving…' : 'Save'}
          </button>
        </div>
      )}
    </form>
  );
}

function summary(a: RepoAutomation): string {
  const on = [a.ciFix.enabled && 'CI fixing', a.reviewFix.enabled && 'reviews', a.merge.enabled && `merging (${a.merge.method})`, a.archive.auto && 'auto-archive'].filter(Boolean);
  return on.length ? on.join(', ') : 'everything off';
}

function AutomationCard({ me }: { me: Me | undefined }) {
  const pulls = usePullsApi();
  const admin = isAdmin(me);
  const [added, setAdded] = useState<string[]>([]);
  const [newRepo, setNewRepo] = useState('');
  const [repoError, setRepoError] = useState<string | undefined>();
  const list = useQuery({ queryKey: githubKeys.automation, queryFn: ({ signal }) => pulls.automation(signal), retry: false });
  if (list.isError) return <ErrorNote error={list.error} retry={() => void list.refetch()} />;
  const known = list.data?.items ?? [];
  const extra = added.filter((r) => !known.some((k) => k.repo === r));
  const items: RepoAutomation[] = [...known, ...extra.map((repo) => defaultRepoAutomation(repo))];
  const add = (e: FormEvent) => {
    e.preventDefault();
    const r = newRepo.trim();
    const parsed = PutRepoAutomationBody.shape.repo.safeParse(r);
    if (!parsed.success) return setRepoError('Give the repository as owner/name');
    setRepoError(undefined);
    setAdded((x) => [...x, parsed.data]);
    setNewRepo('');
  };
  return (
    <div className="st-card gh-card" data-testid="gh-automation">
      <h3>Automation per repository</h3>
      <p className="st-lead">Everything is off until you turn it on. Repositories of the workspace's sessions are listed with the defaults.</p>
      {!list.data ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="muted">No repository yet: sessions on GitHub repositories add theirs here{admin ? ', or add one below' : ''}.</p>
      ) : (
        <ul className="gh-repo-list">
          {items.map((a) => (
            <li key={a.repo}>
              <details className="st-item" open={items.length === 1 || extra.includes(a.repo)}>
                <summary className="st-item-head" style={{ cursor: 'pointer' }}>
                  <strong className="st-mono">{a.repo}</strong>
                  <span className="st-hint">{summary(a)}</span>
                  {a.updatedAt === null && <span className="pill">defaults</span>}
                </summary>
                <RepoForm a={a} admin={admin} />
              </details>
            </li>
          ))}
        </ul>
      )}
      {admin && (
        <form className="st-form" onSubmit={add} noValidate aria-label="Add a repository" style={{ marginTop: '0.75rem' }}>
          <div className="st-field">
            <label htmlFor="gh-add-repo">Add a repository</label>
            <div className="gh-copy">
              <input id="gh-add-repo" value={newRepo} placeholder="owner/name" autoComplete="off" onChange={(e) => setNewRepo(e.target.value)} {...describedBy('gh-add-repo-error', repoError)} />
              <button type="submit">Add</button>
            </div>
            <FieldError id="gh-add-repo-error" text={repoError} />
          </div>
        </form>
      )}
      {!admin && <p className="st-hint">Only admins and owners change automation.</p>}
    </div>
  );
}

/* ------------------------------------------------------------------ archive finished */

function ArchiveCard({ me }: { me: Me | undefined }) {
  const pulls = usePullsApi();
  const qc = useQueryClient();
  const [count, setCount] = useState<number | null>(null);
  const [result, setResult] = useState<ArchiveFinishedResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const dry = useMutation({
    mutationFn: () => pulls.archiveFinished({ dryRun: true }),
    onSuccess: (r) => {
      setError(null);
      setResult(null);
      setCount(r.matched);
    },
    onError: (err) => setError(errorsOf(err).message),
  });
  const run = useMutation({
    mutationFn: () => pulls.archiveFinished({}),
    onSuccess: (r) => {
      setCount(null);
      setResult(r);
      void qc.invalidateQueries({ queryKey: ['sessions'] });
    },
    onError: (err) => {
      setCount(null);
      setError(errorsOf(err).message);
    },
  });
  const allowed = canMember(me);
  return (
    <div className="st-card gh-card" data-testid="gh-archive">
      <h3>Archive finished sessions</h3>
      <p className="st-lead">Archives on Jules every session whose pull request was merged or closed. You see how many first.</p>
      <div className="st-actions start">
        <button type="button" onClick={() => dry.mutate()} disabled={!allowed || dry.isPending || run.isPending} data-testid="gh-archive-start">
          {dry.isPending ? 'Counting…' : 'Archive finished sessions…'}
        </button>
      </div>
      {!allowed && <p className="st-hint">Viewers cannot archive sessions.</p>}
      {error && (
        <p className="st-error" role="alert">
          {error}
        </p>
      )}
      {result && (
        <p className={result.failed.length ? 'st-warn' : 'st-note'} role="status" data-testid="gh-archive-result">
          Archived {result.archived} of {result.matched}.
          {result.failed.length > 0 && ` ${result.failed.length} failed: ${result.failed.slice(0, 3).map((f) => `${f.sessionId} (${f.error})`).join('; ')}${result.failed.length > 3 ? '…' : ''}`}
        </p>
      )}
      <Modal open={count !== null} onClose={() => setCount(null)} labelledBy="gh-archive-title" testId="gh-archive-dialog">
        <h2 id="gh-archive-title">{count === 0 ? 'Nothing to archive' : `Archive ${count} session${count === 1 ? '' : 's'}?`}</h2>
        <p>{count === 0 ? 'No unarchived session has a merged or closed pull request.' : 'They are archived on Jules; you can unarchive each one from its page.'}</p>
        <div className="st-actions">
          <button type="button" onClick={() => setCount(null)}>
            {count === 0 ? 'Close' : 'Cancel'}
          </button>
          {count !== 0 && (
            <button type="button" className="primary" onClick={() => run.mutate()} disabled={run.isPending} data-testid="gh-archive-confirm">
              {run.isPending ? 'Archiving…' : 'Archive'}
            </button>
          )}
        </div>
      </Modal>
    </div>
  );
}

/** Settings → GitHub: the connection, the webhook, per-repository automation and the bulk archive. */
export function GitHubSettings() {
  const me = useMe();
  return (
    <section aria-labelledby="settings-github" className="st-section" data-testid="settings-github">
      <h2 id="settings-github">GitHub</h2>
      <ConnectionCard me={me.data} />
      <WebhookCard me={me.data} />
      <AutomationCard me={me.data} />
      <ArchiveCard me={me.data} />
    </section>
  );
}
