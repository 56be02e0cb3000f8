import { useEffect, useRef, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError } from '@autopilot/client';
import type { Batch, BatchPreview, Template } from '@autopilot/contracts';
import { Link } from '../../app/router';
import { useApi } from '../../lib/api';
import { useModalDialog } from '../../lib/ui';
import { useJulesAccounts } from '../sessions/data';
import { batchBody, checkBody, emptyForm, fieldErrors, newIdempotencyKey, type BatchForm, type BatchMode } from './batch-logic';
import { aria, Field, PromptFields, ReposField, TasksFields, TemplatePicker, VariablesForm } from './BatchInputs';
import { BatchPreviewList } from './BatchPreviewList';
import { BatchProgressView } from './BatchProgress';
import { rememberBatch, useBatch } from './data';
import './batches.css';

export interface BatchDialogProps {
  open: boolean;
  onClose: () => void;
  /** Launch this template (its variables are asked for); without it the dialog starts from a prompt or a task list. */
  template?: Template;
}

const MODES: { value: BatchMode; label: string }[] = [
  { value: 'template', label: 'Template over repositories' },
  { value: 'prompt', label: 'One prompt over repositories' },
  { value: 'tasks', label: 'Task list' },
];

/** The workspace's templates, for the picker. */
function useTemplates(enabled: boolean) {
  const api = useApi();
  return useQuery({ queryKey: ['templates', 'all'], queryFn: ({ signal }) => api.templates.all({}, signal), enabled, staleTime: 30_000 });
}

/** After Start: the batch's live progress in the dialog. */
function Started({ batch, onClose }: { batch: Batch; onClose: () => void }) {
  const live = useBatch(batch.id, batch);
  const b = live.data ?? batch;
  return (
    <div className="st-form">
      <h2 id="batch-dialog-title" className="st-wrap">
        {b.name}
      </h2>
      <BatchProgressView batch={b} />
      <div className="st-actions">
        <Link href={`/batches/${encodeURIComponent(b.id)}`} onClick={onClose}>
          Open the batch page
        </Link>
        <button type="button" className="primary" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}

/**
 * The batch dialog: a template or prompt over many repositories, or a task list (lines, CSV, checklist), with a dry
 * run listing every item and problem, then the live progress. One idempotency key per opening: a double click, or
 * Start again after a network error, answers the batch already made instead of making another.
 */
export function BatchDialog({ open, onClose, template }: BatchDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const api = useApi();
  const qc = useQueryClient();
  const [form, setForm] = useState<BatchForm>(() => emptyForm(template ? 'template' : 'prompt', template?.id));
  const [key, setKey] = useState(() => newIdempotencyKey());
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [preview, setPreview] = useState<{ data: BatchPreview; body: string } | null>(null);
  const [busy, setBusy] = useState<'preview' | 'start' | null>(null);
  const [batch, setBatch] = useState<Batch | null>(null);
  const templates = useTemplates(open);
  const accounts = useJulesAccounts(open);
  useModalDialog(ref, open);
  const previewRef = useRef<HTMLDivElement>(null);
  // The dialog scrolls on small screens: bring a new preview into sight instead of leaving it below the fold.
  useEffect(() => {
    if (preview) previewRef.current?.scrollIntoView({ block: 'nearest' });
  }, [preview]);

  // Each opening starts afresh, with a new idempotency key.
  useEffect(() => {
    if (!open) return;
    setForm(emptyForm(template ? 'template' : 'prompt', template?.id));
    setKey(newIdempotencyKey());
    setErrors({});
    setFormError(null);
    setPreview(null);
    setBatch(null);
  }, [open, template?.id]);

  const list = templates.data ?? (template ? [template] : []);
  const chosen = list.find((t) => t.id === form.templateId) ?? (template?.id === form.templateId ? template : undefined);
  const vars = chosen?.variables ?? [];
  const body = batchBody(form, vars, key);
  const bodyText = JSON.stringify({ ...body, idempotencyKey: undefined });
  const set = (patch: Partial<BatchForm>) => {
    setForm((f) => ({ ...f, ...patch }));
    // An edited field's error is no longer about what is there.
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !Object.keys(patch).some((p) => k === p || k.startsWith(`${p}.`)))));
  };

  function failed(err: unknown) {
    if (err instanceof ApiError && err.issues.length > 0) setErrors(fieldErrors(err.issues, body));
    setFormError(err instanceof ApiError && err.code === 'network_error' ? `${err.message}. Start again: the same batch is answered, nothing is created twice.` : err instanceof Error ? err.message : String(err));
  }

  async function run(kind: 'preview' | 'start') {
    if (busy) return;
    setFormError(null);
    const checked = checkBody(body);
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    setBusy(kind);
    try {
      if (kind === 'preview') setPreview({ data: await api.batches.preview({ ...checked.body, idempotencyKey: undefined }), body: bodyText });
      else {
        const b = await api.batches.create(checked.body);
        rememberBatch(qc, b);
        setBatch(b);
      }
    } catch (err) {
      failed(err);
    } finally {
      setBusy(null);
    }
  }

  const several = (accounts.data?.items.length ?? 0) > 1;
  const fields = { form, set, errors };
  return (
    <dialog ref={ref} className="st-dialog bt-dialog" aria-labelledby="batch-dialog-title" onClose={onClose} data-testid="batch-dialog">
      {open && batch && <Started batch={batch} onClose={onClose} />}
      {open && !batch && (
        <form
          className="st-form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void run('start');
          }}
        >
          <h2 id="batch-dialog-title">New batch</h2>
          <fieldset className="bt-fieldset">
            <legend>Start from</legend>
            <div className="bt-segmented" role="radiogroup" aria-label="Start from">
              {MODES.map((m) => (
                <label key={m.value} className={form.mode === m.value ? 'on' : undefined}>
                  <input type="radio" name="batch-mode" value={m.value} checked={form.mode === m.value} onChange={() => set({ mode: m.value, templateId: m.value === 'template' ? form.templateId || (template?.id ?? '') : form.templateId })} />
                  {m.label}
                </label>
              ))}
            </div>
          </fieldset>
          {templates.isError && form.mode !== 'prompt' && <p className="st-error">The templates could not be loaded: {templates.error.message}</p>}
          {form.mode === 'template' && (
            <>
              <TemplatePicker {...fields} templates={list} />
              {chosen && <VariablesForm {...fields} template={chosen} />}
              <ReposField {...fields} optional />
            </>
          )}
          {form.mode === 'prompt' && <PromptFields {...fields} />}
          {form.mode === 'tasks' && (
            <>
              <TasksFields {...fields} />
              <TemplatePicker {...fields} templates={list} optional />
              {chosen && <VariablesForm {...fields} template={chosen} shared />}
            </>
          )}
          <div className="st-fields">
            <Field name="name" label="Batch name (optional)" hint="Default: the template's name or the first task" error={errors.name}>
              <input id="batch-name" value={form.name} onChange={(e) => set({ name: e.target.value })} {...aria('name', errors.name)} />
            </Field>
            {several && (
              <Field name="accountId" label="Jules account" error={errors.accountId}>
                <select id="batch-accountId" value={form.accountId} onChange={(e) => set({ accountId: e.target.value })} {...aria('accountId', errors.accountId)}>
                  <option value="">Choose an account</option>
                  {accounts.data?.items.map((a) => (
                    <option key={a.id} value={a.id}>
                      {a.name}
                    </option>
                  ))}
                </select>
              </Field>
            )}
          </div>
          {form.mode !== 'template' && (
            <div className="st-checks">
              <label>
                <input type="checkbox" checked={form.requirePlanApproval} onChange={(e) => set({ requirePlanApproval: e.target.checked })} /> Require plan approval
              </label>
              <label>
                <input type="checkbox" checked={form.autoCreatePr} onChange={(e) => set({ autoCreatePr: e.target.checked })} /> Open a pull request automatically
              </label>
            </div>
          )}
          <div ref={previewRef}>{preview && <BatchPreviewList preview={preview.data} stale={preview.body !== bodyText} />}</div>
          {formError && (
            <p className="st-error" role="alert" data-testid="batch-error">
              {formError}
            </p>
          )}
          <div className="st-actions">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="button" onClick={() => void run('preview')} disabled={busy !== null}>
              {busy === 'preview' ? 'Checking…' : 'Preview'}
            </button>
            <button type="submit" className="primary" disabled={busy !== null}>
              {busy === 'start' ? 'Starting…' : 'Start'}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
