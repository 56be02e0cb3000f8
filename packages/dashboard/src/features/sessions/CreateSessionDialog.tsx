import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError } from '@autopilot/client';
import { CreateSessionBody, SessionSummary, isDispatchIntent, queuedText, type DispatchIntent, type JulesSource } from '@autopilot/contracts';
import { navigate } from '../../app/router';
import { useApi } from '../../lib/api';
import { useModalDialog } from '../../lib/ui';
import { julesKeys, sessionKey, SOURCES_LIMIT, upsertSession, useJulesAccounts, useJulesSources } from './data';
import { matchSources, missingMessage, resolveSource, shortName, shortOf } from './source-picker';
import './create-session.css';

type Field = 'prompt' | 'title' | 'source' | 'startingBranch' | 'accountId' | 'form';
const FIELDS: Field[] = ['prompt', 'title', 'source', 'startingBranch', 'accountId'];

/** Field errors from the contract's own validation, or from the server's `details.issues` (paths like `body.prompt`). */
function fieldErrors(issues: readonly { path: string; message: string }[]): Partial<Record<Field, string>> {
  const out: Partial<Record<Field, string>> = {};
  for (const i of issues) {
    const f = i.path.replace(/^body\.?/, '') as Field;
    const key: Field = FIELDS.includes(f) ? f : 'form';
    out[key] ??= i.message;
  }
  return out;
}

/** At most this many suggestions are shown; typing narrows them. */
const SHOWN = 50;

/**
 * A combobox over the repositories Jules lists (ARIA 1.2 pattern: the input is the combobox, the suggestions a
 * listbox; Up/Down move, Enter picks, Escape closes the list before it closes the dialog). Free text stays
 * allowed: `owner/repo` in any spelling is resolved on submit.
 */
function SourceCombobox(props: {
  value: string;
  onChange: (text: string) => void;
  onPick: (s: JulesSource) => void;
  options: readonly JulesSource[];
  showAccount: boolean;
  loading: boolean;
  invalid?: string;
}) {
  const { value, onChange, onPick, options, showAccount } = props;
  const listId = useId();
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const matches = useMemo(() => matchSources(options, value).slice(0, SHOWN), [options, value]);
  const expanded = open && matches.length > 0;
  const optId = (i: number) => `${listId}-opt-${i}`;
  const listRef = useRef<HTMLUListElement>(null);

  useEffect(() => setActive(-1), [value]);
  useEffect(() => {
    if (active >= 0) document.getElementById(optId(active))?.scrollIntoView({ block: 'nearest' });
  });

  function pick(s: JulesSource) {
    onPick(s);
    setOpen(false);
    setActive(-1);
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setOpen(true);
      setActive((a) => Math.min(a + 1, matches.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setOpen(true);
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === 'Enter' && expanded && active >= 0) {
      e.preventDefault();
      pick(matches[active]);
    } else if (e.key === 'Escape' && expanded) {
      // Close the list, not the dialog.
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
    }
  }

  return (
    <div className="cs-combo">
      <div className="cs-anchor">
        <input
          id="new-source"
          name="source"
          role="combobox"
          aria-expanded={expanded}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={expanded && active >= 0 ? optId(active) : undefined}
          autoComplete="off"
          spellCheck={false}
          placeholder="owner/repo"
          value={value}
          onChange={(e) => {
            onChange(e.target.value);
            setOpen(true);
          }}
          onFocus={() => setOpen(true)}
          onBlur={() => setOpen(false)}
          onKeyDown={onKeyDown}
          {...(props.invalid ? { 'aria-invalid': true, 'aria-describedby': 'new-source-error' } : { 'aria-describedby': 'new-source-hint' })}
        />
        <ul id={listId} ref={listRef} role="listbox" aria-label="Repositories Jules can work on" className="cs-listbox" hidden={!expanded}>
          {matches.map((s, i) => (
            <li
              key={`${s.accountId}:${s.name}`}
              id={optId(i)}
              role="option"
              aria-selected={i === active}
              className="cs-option"
              // Keep focus in the input; the click picks.
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => pick(s)}
              onMouseEnter={() => setActive(i)}
            >
              <span className="cs-option-name">{shortName(s)}</span>
              <span className="cs-option-meta">
                {s.isPrivate && <span className="pill">private</span>}
                {s.defaultBranch && <span className="cs-branch">{s.defaultBranch}</span>}
                {showAccount && <span className="cs-account">{s.accountName}</span>}
              </span>
            </li>
          ))}
        </ul>
      </div>
      <span className="cs-hint" id="new-source-hint" aria-live="polite">
        {props.loading
          ? 'Loading the repositories Jules can work on…'
          : expanded
            ? `${matches.length}${matches.length === SHOWN ? '+' : ''} matching: Up and Down to move, Enter to choose`
            : options.length
              ? 'Type to search, or owner/repo'
              : 'Type owner/repo'}
      </span>
    </div>
  );
}

/**
 * The create-session dialog (a native <dialog>: focus stays inside, Escape closes). The repository comes from the
 * sources Jules lists for the workspace's accounts (search as you type; `owner/repo` in any spelling accepted), the
 * branch is prefilled with the chosen repository's default branch, and the account is asked for when several reach
 * it. The form is checked with the same CreateSessionBody schema the server uses before a request is sent.
 */
export function CreateSessionDialog({ open, onClose, sources: known }: { open: boolean; onClose: () => void; sources: string[] }) {
  const ref = useRef<HTMLDialogElement>(null);
  const api = useApi();
  const qc = useQueryClient();
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [busy, setBusy] = useState(false);
  /** The create the account's plan limits hold: shown instead of closing the dialog. */
  const [queued, setQueued] = useState<DispatchIntent | null>(null);
  const [accountId, setAccountId] = useState('');
  const [sourceText, setSourceText] = useState('');
  const [branch, setBranch] = useState('');
  /** The branch was typed by the user: a later pick does not overwrite it. */
  const [branchEdited, setBranchEdited] = useState(false);
  const accounts = useJulesAccounts(open);
  const listed = useJulesSources({ enabled: open });
  const accountList = accounts.data?.items ?? [];
  const several = accountList.length > 1;
  const all = listed.data?.items ?? [];
  const options = accountId ? all.filter((s) => s.accountId === accountId) : all;
  const resolved = resolveSource(all, sourceText, accountId || undefined);
  const chosen = resolved.kind === 'found' ? resolved.source : null;
  const listErrors = (listed.data?.errors ?? []).filter((e) => !accountId || e.accountId === accountId);
  const listFailed = listed.isError || listErrors.length > 0;
  // When a listing failed, the repositories of existing sessions are still suggestions.
  const extra = listFailed ? known.filter((k) => !all.some((s) => s.name === k)) : [];

  useModalDialog(ref, open);

  // The chosen repository's default branch, unless the user typed one.
  useEffect(() => {
    if (chosen?.defaultBranch && !branchEdited) setBranch(chosen.defaultBranch);
  }, [chosen?.name, chosen?.accountId, chosen?.defaultBranch, branchEdited]);

  function reset() {
    setSourceText('');
    setBranch('');
    setBranchEdited(false);
    setAccountId('');
    setErrors({});
    setQueued(null);
  }

  /** The source and account to send, or the error to show. */
  async function sourceChoice(): Promise<{ source?: string; accountId?: string } | { error: Partial<Record<Field, string>> }> {
    const r = resolveSource(all, sourceText, accountId || undefined);
    if (r.kind === 'empty') return { accountId: accountId || undefined };
    if (r.kind === 'invalid') return { error: { source: 'Type the repository as owner/repo (e.g. acme/api), or choose one from the list' } };
    if (r.kind === 'found') return { source: r.source.name, accountId: r.source.accountId };
    if (r.kind === 'ambiguous') return { error: { accountId: `Several accounts reach ${shortOf(r.name)} (${r.sources.map((s) => s.accountName).join(', ')}): choose one` } };
    // Not in the list: the list may be cut short, or an account's listing may have failed; only then is the server asked.
    if (listErrors.length || !listed.data) return { source: r.name, accountId: accountId || undefined };
    if (all.length >= SOURCES_LIMIT) {
      const again = await api.sessions.sources({ q: r.name, accountId: accountId || undefined, limit: 10 });
      const hit = resolveSource(again.items, r.name, accountId || undefined);
      if (hit.kind === 'found') return { source: hit.source.name, accountId: hit.source.accountId };
    }
    const names = accountId ? accountList.filter((a) => a.id === accountId).map((a) => a.name) : accountList.map((a) => a.name);
    return { error: { source: missingMessage(r.name, names) } };
  }

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const formEl = e.currentTarget;
    const form = new FormData(formEl);
    const text = (k: string) => {
      const v = String(form.get(k) ?? '').trim();
      return v === '' ? undefined : v;
    };
    setBusy(true);
    try {
      const choice = await sourceChoice();
      if ('error' in choice) return setErrors(choice.error);
      const candidate = {
        prompt: text('prompt') ?? '',
        title: text('title'),
        source: choice.source,
        startingBranch: branch.trim() || undefined,
        requirePlanApproval: form.get('requirePlanApproval') === 'on',
        autoCreatePr: form.get('autoCreatePr') === 'on',
        accountId: choice.accountId,
      };
      const parsed = CreateSessionBody.safeParse(candidate);
      if (!parsed.success) return setErrors(fieldErrors(parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.path[0] === 'startingBranch' ? 'Choose the branch Jules starts from' : i.message }))));
      setErrors({});
      const created = await api.sessions.create(parsed.data);
      if (isDispatchIntent(created)) {
        // The account's plan limits hold it: say where it is in line instead of opening a session that does not exist yet.
        setQueued(created);
        return;
      }
      qc.setQueryData(sessionKey(created.id), created);
      upsertSession(qc, SessionSummary.parse(created));
      formEl.reset();
      reset();
      onClose();
      navigate(`/sessions/${encodeURIComponent(created.id)}`);
    } catch (err) {
      if (err instanceof ApiError && err.issues.length > 0) setErrors({ ...fieldErrors(err.issues), form: err.message });
      else setErrors({ form: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy(false);
    }
  }

  const err = (f: Field) =>
    errors[f] ? (
      <span className="error field-error cs-error" id={`new-${f}-error`}>
        {errors[f]}
      </span>
    ) : null;
  const described = (f: Field) => (errors[f] ? { 'aria-invalid': true, 'aria-describedby': `new-${f}-error` } : {});
  const branches = chosen?.branches ?? [];

  return (
    <dialog ref={ref} className="dialog card cs-dialog" aria-labelledby="new-session-title" onClose={onClose} data-testid="create-dialog">
      <form method="dialog" onSubmit={submit} className="form" noValidate>
        <h2 id="new-session-title">New session</h2>
        <label htmlFor="new-prompt">Prompt</label>
        <textarea id="new-prompt" name="prompt" rows={5} required placeholder="What should Jules do?" {...described('prompt')} />
        {err('prompt')}
        <label htmlFor="new-title">Title (optional)</label>
        <input id="new-title" name="title" {...described('title')} />
        {err('title')}
        {several && (
          <>
            <label htmlFor="new-account">Jules account</label>
            <select id="new-account" name="accountId" value={accountId} onChange={(e) => setAccountId(e.target.value)} {...described('accountId')}>
              <option value="">Whichever account reaches the repository</option>
              {accountList.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
            {err('accountId')}
          </>
        )}
        <div className="form-row cs-row">
          <div>
            <label htmlFor="new-source">Repository (optional)</label>
            <SourceCombobox
              value={sourceText}
              onChange={(t) => {
                setSourceText(t);
                if (errors.source) setErrors((x) => ({ ...x, source: undefined }));
              }}
              onPick={(s) => {
                setSourceText(shortName(s));
                if (several && !accountId && all.filter((x) => x.name === s.name).length > 1) setAccountId(s.accountId);
                setBranchEdited(false);
              }}
              options={[...options, ...extra.map((name) => ({ name, owner: shortOf(name).split('/')[0] ?? name, repo: shortOf(name).split('/')[1] ?? '', accountId: '', accountName: 'from earlier sessions', defaultBranch: null, branches: [], isPrivate: false }))]}
              showAccount={several}
              loading={listed.isLoading}
              invalid={errors.source}
            />
            {err('source')}
          </div>
          <div>
            <label htmlFor="new-branch">Starting branch</label>
            <input
              id="new-branch"
              name="startingBranch"
              list="new-branch-options"
              autoComplete="off"
              spellCheck={false}
              value={branch}
              onChange={(e) => {
                setBranch(e.target.value);
                setBranchEdited(true);
              }}
              disabled={!sourceText.trim()}
              {...described('startingBranch')}
            />
            <datalist id="new-branch-options">
              {branches.map((b) => (
                <option key={b} value={b} />
              ))}
            </datalist>
            {chosen && <span className="cs-hint">{branches.length > 1 ? `${branches.length} branches; ${chosen.defaultBranch ?? branches[0]} is the default` : 'The repository’s default branch'}</span>}
            {!sourceText.trim() && <span className="cs-hint">Choose a repository first</span>}
            {err('startingBranch')}
          </div>
        </div>
        {listFailed && (
          <p className="cs-note" role="note">
            {listed.isError
              ? `The repositories Jules offers could not be loaded (${listed.error instanceof Error ? listed.error.message : 'error'})`
              : listErrors.map((e) => `${e.accountName}: ${e.message}`).join('; ')}
            . You can still type owner/repo.{' '}
            <button type="button" className="link-button" onClick={() => void qc.invalidateQueries({ queryKey: julesKeys.all })}>
              Try again
            </button>
          </p>
        )}
        <label className="check">
          <input type="checkbox" name="requirePlanApproval" defaultChecked /> Require plan approval
        </label>
        <label className="check">
          <input type="checkbox" name="autoCreatePr" defaultChecked /> Open a pull request automatically
        </label>
        {queued && (
          <p className="cs-queued" role="status">
            Queued, not created yet: {queuedText(queued)}. It is sent as soon as the account has room.
          </p>
        )}
        {errors.form && (
          <p className="error cs-error" role="alert">
            {errors.form}
          </p>
        )}
        <div className="form-actions">
          <button
            type="button"
            onClick={() => {
              reset();
              onClose();
            }}
          >
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create session'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
