import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError } from '@autopilot/client';
import { CreateSessionBody, SessionSummary } from '@autopilot/contracts';
import { navigate } from '../../app/router';
import { useApi } from '../../lib/api';
import { sessionKey, upsertSession } from './data';

type Field = 'prompt' | 'title' | 'source' | 'startingBranch' | 'form';

/** Field errors from the contract's own validation, or from the server's `details` (paths like `body.prompt`). */
function fieldErrors(issues: readonly { path: string; message: string }[]): Partial<Record<Field, string>> {
  const out: Partial<Record<Field, string>> = {};
  for (const i of issues) {
    const f = i.path.replace(/^body\.?/, '') as Field;
    const key: Field = ['prompt', 'title', 'source', 'startingBranch'].includes(f) ? f : 'form';
    out[key] ??= i.message;
  }
  return out;
}

/**
 * The create-session dialog (a native <dialog>: focus stays inside, Escape closes). The form is checked with the
 * same CreateSessionBody schema the server uses, so most mistakes are shown before a request is sent.
 */
export function CreateSessionDialog({ open, onClose, sources }: { open: boolean; onClose: () => void; sources: string[] }) {
  const ref = useRef<HTMLDialogElement>(null);
  const api = useApi();
  const qc = useQueryClient();
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const text = (k: string) => {
      const v = String(form.get(k) ?? '').trim();
      return v === '' ? undefined : v;
    };
    const candidate = {
      prompt: text('prompt') ?? '',
      title: text('title'),
      source: text('source'),
      startingBranch: text('startingBranch'),
      requirePlanApproval: form.get('requirePlanApproval') === 'on',
      autoCreatePr: form.get('autoCreatePr') === 'on',
    };
    const parsed = CreateSessionBody.safeParse(candidate);
    if (!parsed.success) return setErrors(fieldErrors(parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))));
    setErrors({});
    setBusy(true);
    try {
      const created = await api.sessions.create(parsed.data);
      qc.setQueryData(sessionKey(created.id), created);
      upsertSession(qc, SessionSummary.parse(created));
      (e.target as HTMLFormElement).reset();
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
      <span className="error field-error" id={`new-${f}-error`}>
        {errors[f]}
      </span>
    ) : null;
  const described = (f: Field) => (errors[f] ? { 'aria-invalid': true, 'aria-describedby': `new-${f}-error` } : {});

  return (
    <dialog ref={ref} className="dialog card" aria-labelledby="new-session-title" onClose={onClose} data-testid="create-dialog">
      <form method="dialog" onSubmit={submit} className="form">
        <h2 id="new-session-title">New session</h2>
        <label htmlFor="new-prompt">Prompt</label>
        <textarea id="new-prompt" name="prompt" rows={5} required placeholder="What should Jules do?" {...described('prompt')} />
        {err('prompt')}
        <label htmlFor="new-title">Title (optional)</label>
        <input id="new-title" name="title" {...described('title')} />
        {err('title')}
        <div className="form-row">
          <div>
            <label htmlFor="new-source">Repository</label>
            <input id="new-source" name="source" list="known-sources" placeholder="sources/github/owner/repo" {...described('source')} />
            <datalist id="known-sources">
              {sources.map((s) => (
                <option key={s} value={s} />
              ))}
            </datalist>
            {err('source')}
          </div>
          <div>
            <label htmlFor="new-branch">Starting branch</label>
            <input id="new-branch" name="startingBranch" placeholder="main" {...described('startingBranch')} />
            {err('startingBranch')}
          </div>
        </div>
        <label className="check">
          <input type="checkbox" name="requirePlanApproval" defaultChecked /> Require plan approval
        </label>
        <label className="check">
          <input type="checkbox" name="autoCreatePr" defaultChecked /> Open a pull request automatically
        </label>
        {errors.form && (
          <p className="error" role="alert">
            {errors.form}
          </p>
        )}
        <div className="form-actions">
          <button type="button" onClick={onClose}>
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
