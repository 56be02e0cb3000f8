import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { KEEPER_ACTIONS, KEEPER_LIMITS, type KeeperLimit, type KeeperSettings, type Me, type UpdateKeeperSettingsBody } from '@autopilot/contracts';
import { ApiError } from '@autopilot/client';
import { useState, type FormEvent } from 'react';
import { Link } from '../../app/router';
import { useApi } from '../../lib/api';
import { useToast } from '../../lib/toasts';
import { ErrorNote } from '../../lib/ui';
import { keeperKeys } from './data';
import { ActionLine } from './KeeperPanel';
import { Toggle } from './Toggle';
import { NotificationItem, useNotificationActions, useNotifications } from './Notifications';
import './keeper.css';

type Path = string;
const get = (o: unknown, path: Path): unknown => path.split('.').reduce<unknown>((cur, k) => (cur as Record<string, unknown> | undefined)?.[k], o);
function set(o: Record<string, unknown>, path: Path, v: unknown): void {
  const keys = path.split('.');
  let cur = o;
  for (const k of keys.slice(0, -1)) cur = (cur[k] ??= {}) as Record<string, unknown>;
  cur[keys.at(-1)!] = v;
}
const shown = (n: number, scale: number) => String(Math.round((n / scale) * 100) / 100);
const fieldId = (path: Path) => `ks-${path.replace(/\./g, '-')}`;

/** Switches of the plan-approval group (saved with the form). */
const APPROVAL_FLAGS: Array<{ path: Path; label: string }> = [
  { path: 'approval.respectRequirePlanApproval', label: 'A session created with "require plan approval" always waits for a person' },
  { path: 'approval.defaultRequirePlanApproval', label: 'Sessions created outside the orchestrator wait for a person' },
];

const FEATURES: Array<{ path: Path; label: string }> = [
  { path: 'answers.enabled', label: 'Answer questions the agent may decide itself' },
  { path: 'stall.enabled', label: 'Nudge stalled sessions' },
  { path: 'stuck.enabled', label: 'Flag finished-but-stuck sessions' },
  { path: 'selfHeal.enabled', label: 'Recover failed sessions' },
  { path: 'autoContinue.enabled', label: 'Continue completed sessions' },
  { path: 'alerts.enabled', label: 'Notify about sessions the keeper must not touch' },
];

function LimitInput({ l, value, onChange, error, disabled }: { l: KeeperLimit; value: string; onChange: (v: string) => void; error?: string; disabled: boolean }) {
  const id = fieldId(l.path);
  return (
    <div className="klimit">
      <label htmlFor={id}>{l.label}</label>
      <span className="klimit-input">
        <input
          id={id}
          type="number"
          inputMode="decimal"
          min={l.min / l.scale}
          max={l.max / l.scale}
          step={l.scale === 1 ? 1 : 'any'}
          value={value}
          disabled={disabled}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${id}-range${error ? ` ${id}-error` : ''}`}
          onChange={(e) => onChange(e.target.value)}
          data-testid={`limit-${l.path}`}
        />
        <span className="klimit-unit">{l.unit}</span>
      </span>
      <span id={`${id}-range`} className="muted small">
        {shown(l.min, l.scale)}–{shown(l.max, l.scale)} {l.unit}
      </span>
      {error && (
        <span id={`${id}-error`} className="error-text small" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

function HoldWords({ words, onChange, error, disabled }: { words: string[]; onChange: (w: string[]) => void; error?: string; disabled: boolean }) {
  const [draft, setDraft] = useState('');
  const add = () => {
    const w = draft.trim();
    if (!w) return;
    if (!words.some((x) => x.toLowerCase() === w.toLowerCase())) onChange([...words, w]);
    setDraft('');
  };
  return (
    <div className="holdwords">
      <span className="holdwords-title" id="holdwords-title">
        Hold words <span className="muted small">(a plan mentioning one waits for a person)</span>
      </span>
      <ul className="chips" aria-labelledby="holdwords-title" data-testid="hold-words">
        {words.map((w) => (
          <li key={w} className="chip">
            <span className="chip-text">{w}</span>
            <button type="button" className="chip-remove" aria-label={`Remove hold word ${w}`} disabled={disabled} onClick={() => onChange(words.filter((x) => x !== w))}>
              ×
            </button>
          </li>
        ))}
        {words.length === 0 && <li className="muted small">No hold words.</li>}
      </ul>
      <span className="holdwords-add">
        <label htmlFor="holdword-new" className="sr-only">
          New hold word
        </label>
        <input
          id="holdword-new"
          value={draft}
          disabled={disabled}
          placeholder="Add a word or path"
          maxLength={100}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              add();
            }
          }}
        />
        <button type="button" onClick={add} disabled={disabled || !draft.trim()}>
          Add
        </button>
      </span>
      {error && (
        <span className="error-text small" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

/** Every numeric input's text, from the settings (durations in the limit's unit). */
const textsOf = (s: KeeperSettings) => Object.fromEntries(KEEPER_LIMITS.map((l) => [l.path, shown(Number(get(s, l.path)), l.scale)]));

function SettingsCard({ settings, canEdit }: { settings: KeeperSettings; canEdit: boolean }) {
  const api = useApi();
  const qc = useQueryClient();
  const toast = useToast();
  const [texts, setTexts] = useState<Record<Path, string>>(() => textsOf(settings));
  const [flags, setFlags] = useState<Record<Path, boolean>>(() => Object.fromEntries([...FEATURES, ...APPROVAL_FLAGS].map((f) => [f.path, Boolean(get(settings, f.path))])));
  const [strategy, setStrategy] = useState(settings.selfHeal.strategy);
  const [policy, setPolicy] = useState(settings.approval.policy);
  const [words, setWords] = useState(settings.approval.holdWords);
  const [errors, setErrors] = useState<Record<Path, string>>({});
  const [saved, setSaved] = useState(false);
  const reset = (s: KeeperSettings) => {
    setTexts(textsOf(s));
    setFlags(Object.fromEntries([...FEATURES, ...APPROVAL_FLAGS].map((f) => [f.path, Boolean(get(s, f.path))])));
    setStrategy(s.selfHeal.strategy);
    setPolicy(s.approval.policy);
    setWords(s.approval.holdWords);
    setErrors({});
  };
  const save = useMutation({
    mutationFn: (body: UpdateKeeperSettingsBody) => api.keeper.updateSettings(body),
    onSuccess: (s) => {
      qc.setQueryData(keeperKeys.settings, s);
      reset(s);
      setSaved(true);
    },
    onError: (err: Error) => {
      const issues = err instanceof ApiError ? err.issues : [];
      if (issues.length === 0) {
        toast({ title: 'Could not save keeper settings', body: err.message, level: 'error' });
        return;
      }
      const next: Record<Path, string> = {};
      for (const i of issues) {
        const p = i.path.replace(/^body\./, '');
        // A hold word's issue (approval.holdWords.3) shows under the list.
        const key = p.startsWith('approval.holdWords') ? 'approval.holdWords' : p;
        next[key] ??= i.message;
      }
      setErrors(next);
    },
  });
  const running = useMutation({
    mutationFn: (enabled: boolean) => api.keeper.updateSettings({ enabled }),
    onSuccess: (s) => qc.setQueryData(keeperKeys.settings, s),
    onError: (err: Error) => toast({ title: 'Could not switch the keeper', body: err.message, level: 'error' }),
  });
  const busy = !canEdit || save.isPending;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    const body: Record<string, unknown> = {};
    const local: Record<Path, string> = {};
    // Only edited numbers are sent: a shown value is rounded (ms shown as minutes), so sending it back unchanged
    // would move a setting nobody touched.
    const initial = textsOf(settings);
    for (const l of KEEPER_LIMITS) {
      const raw = texts[l.path]?.trim() ?? '';
      if (raw === initial[l.path]) continue;
      const n = Number(raw);
      if (raw === '' || !Number.isFinite(n)) {
        local[l.path] = 'Enter a number';
        continue;
      }
      set(body, l.path, Math.round(n * l.scale));
    }
    if (Object.keys(local).length) {
      setErrors(local);
      return;
    }
    for (const f of [...FEATURES, ...APPROVAL_FLAGS]) set(body, f.path, flags[f.path]);
    set(body, 'selfHeal.strategy', strategy);
    set(body, 'approval.policy', policy);
    set(body, 'approval.holdWords', words);
    save.mutate(body as UpdateKeeperSettingsBody);
  };

  const limitsOf = (group?: string) => KEEPER_LIMITS.filter((l) => l.group === group);
  const input = (l: KeeperLimit) => (
    <LimitInput key={l.path} l={l} value={texts[l.path] ?? ''} disabled={busy} error={errors[l.path]} onChange={(v) => { setSaved(false); setTexts((t) => ({ ...t, [l.path]: v })); }} />
  );
  return (
    <section className="card panel" aria-labelledby="keeper-settings">
      <div className="panel-head">
        <h2 id="keeper-settings">Settings</h2>
        <span className="spacer" />
        <Toggle id="keeper-enabled" checked={settings.enabled} onChange={(v) => running.mutate(v)} label={settings.enabled ? 'Keeper running' : 'Keeper paused'} disabled={!canEdit || running.isPending} testId="keeper-enabled" />
      </div>
      {!canEdit && <p className="muted">Only admins and owners change these settings.</p>}
      <form className="ksettings" onSubmit={submit} noValidate aria-label="Keeper settings">
        <fieldset className="kgroup">
          <legend>Plan approval</legend>
          <div className="klimit">
            <label htmlFor="approval-policy">Policy</label>
            <select id="approval-policy" value={policy} disabled={busy} onChange={(e) => setPolicy(e.target.value as KeeperSettings['approval']['policy'])}>
              <option value="always">Approve every plan</option>
              <option value="rules">Approve by rules (step limit, no hold words or risky commands)</option>
              <option value="never">Never: wait for a person</option>
            </select>
            {errors['approval.policy'] && <span className="error-text small">{errors['approval.policy']}</span>}
          </div>
          {APPROVAL_FLAGS.map((f) => (
            <Toggle key={f.path} id={fieldId(f.path)} checked={flags[f.path] ?? false} onChange={(v) => { setSaved(false); setFlags((x) => ({ ...x, [f.path]: v })); }} label={f.label} disabled={busy} testId={`flag-${f.path}`} />
          ))}
          {limitsOf('approval').map(input)}
          <HoldWords words={words} onChange={(w) => { setSaved(false); setWords(w); }} disabled={busy} error={errors['approval.holdWords']} />
        </fieldset>
        {FEATURES.map((f) => (
          <fieldset key={f.path} className="kgroup">
            <legend className="sr-only">{f.label}</legend>
            <Toggle id={fieldId(f.path)} checked={flags[f.path] ?? false} onChange={(v) => { setSaved(false); setFlags((x) => ({ ...x, [f.path]: v })); }} label={f.label} disabled={busy} testId={`feature-${f.path}`} />
            <div className="klimits">
              {limitsOf(f.path).map(input)}
              {f.path === 'selfHeal.enabled' && (
                <div className="klimit">
                  <label htmlFor="selfheal-strategy">How</label>
                  <select id="selfheal-strategy" value={strategy} disabled={busy} onChange={(e) => { setSaved(false); setStrategy(e.target.value as KeeperSettings['selfHeal']['strategy']); }}>
                    <option value="auto">A message first, a new session if Jules refuses it</option>
                    <option value="message">Ask the agent to recover (a message)</option>
                    <option value="new_session">Start a new session with the failure reason</option>
                  </select>
                </div>
              )}
            </div>
          </fieldset>
        ))}
        <fieldset className="kgroup">
          <legend>Cadence</legend>
          <div className="klimits">{limitsOf('intervals').map(input)}</div>
        </fieldset>
        <fieldset className="kgroup">
          <legend>History</legend>
          <div className="klimits">{limitsOf(undefined).map(input)}</div>
          <p className="muted small">Sessions with no update or activity for longer than this are left to people (no action, no notification), so connecting an account with an old history is safe.</p>
        </fieldset>
        {canEdit && (
          <div className="form-actions">
            {saved && (
              <span className="muted small" role="status" data-testid="settings-saved">
                Saved.
              </span>
            )}
            {Object.keys(errors).length > 0 && (
              <span className="error-text small" role="status">
                Fix the marked fields.
              </span>
            )}
            <button type="button" disabled={busy} onClick={() => reset(settings)}>
              Reset
            </button>
            <button type="submit" className="primary" disabled={busy} data-testid="settings-save">
              {save.isPending ? 'Saving…' : 'Save'}
            </button>
          </div>
        )}
      </form>
    </section>
  );
}

function NotificationsCard({ me }: { me: Me | undefined }) {
  const q = useNotifications(50);
  const { all, busy } = useNotificationActions();
  const canAct = !!me && me.key.role !== 'viewer';
  return (
    <section className="card panel" aria-labelledby="keeper-notes">
      <div className="panel-head">
        <h2 id="keeper-notes">Notifications</h2>
        <span className="muted small">{q.data?.unread ?? 0} unread</span>
        <span className="spacer" />
        {canAct && (
          <button type="button" className="small" disabled={busy || !q.data?.unread} onClick={() => all.mutate({ read: true })}>
            Mark all read
          </button>
        )}
      </div>
      {q.isError && <ErrorNote error={q.error} retry={() => void q.refetch()} />}
      {q.data?.items.length === 0 && <p className="muted">Nothing needs you.</p>}
      <ul className="notes-list" data-testid="keeper-notifications">
        {q.data?.items.map((n) => <NotificationItem key={n.id} n={n} canAct={canAct} />)}
      </ul>
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

  return (
    <section className="keeper-page kpage">
      <div className="page-head">
        <h1>Keeper</h1>
      </div>
      <p className="muted">The keeper watches sessions: approves plans, answers questions, nudges stalled sessions and flags stuck ones.</p>
      {settings.isError ? (
        <ErrorNote error={settings.error} retry={() => void settings.refetch()} />
      ) : settings.data ? (
        <SettingsCard settings={settings.data} canEdit={canEdit} />
      ) : (
        <p className="muted">Loading settings…</p>
      )}

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
                <div className="kaction-session">
                  <Link href={`/sessions/${encodeURIComponent(a.sessionId)}`}>{a.sessionTitle || 'Untitled session'}</Link>
                  <span className="mono small muted">{a.sessionId.slice(0, 12)}</span>
                </div>
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
        <NotificationsCard me={me} />
      </div>
    </section>
  );
}
