import { useMemo, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError } from '@autopilot/client';
import type { Template } from '@autopilot/contracts';
import { navigate } from '../../app/router';
import { useApi } from '../../lib/api';
import { useToast } from '../../lib/toasts';
import { BatchDialog } from '../batches/BatchDialog';
import { coerceValues } from '../batches/batch-logic';
import { errorsOf } from '../settings/settings-ui';
import { useDraftPreview, templateKeys } from './data';
import { DeleteTemplate } from './DeleteTemplate';
import { TemplateFields } from './TemplateFields';
import { TemplatePreviewPane } from './TemplatePreviewPane';
import { draftBlockers, draftBody, emptyRow, emptyTemplateForm, fieldErrorsOf, formOfTemplate, isDirty, problemsByVariable, templateBody, variableOf, type TemplateForm } from './template-form';
import { VariablesEditor } from './VariablesEditor';

/** Merges several by-row message maps into one. */
function merge(...maps: Map<string, string[]>[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of maps) for (const [k, v] of m) out.set(k, [...(out.get(k) ?? []), ...v]);
  return out;
}

/**
 * The template editor: the fields on the left, the live preview on the right (one column on phones). Saving sends
 * the version read, so a save by someone else in between is a 409 shown with a reload, never overwritten.
 */
export function TemplateEditor({ saved, canEdit }: { saved?: Template; canEdit: boolean }) {
  const api = useApi();
  const qc = useQueryClient();
  const toast = useToast();
  const [form, setForm] = useState<TemplateForm>(() => (saved ? formOfTemplate(saved) : emptyTemplateForm()));
  const [values, setValues] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<{ fields: Record<string, string>; byRow: Map<string, string[]>; message: string } | null>(null);
  const [stale, setStale] = useState(false);
  const [launching, setLaunching] = useState(false);
  const set = (patch: Partial<TemplateForm>) => setForm((f) => ({ ...f, ...patch }));

  const blockers = useMemo(() => draftBlockers(form), [form]);
  const body = useMemo(() => draftBody(form), [form]);
  const typed = useMemo(() => coerceValues(form.variables.map(variableOf), values), [form.variables, values]);
  const preview = useDraftPreview(body, typed, blockers.length === 0);
  const shown = blockers.length === 0 ? preview.data : undefined;
  const problems = shown ? problemsByVariable(shown.problems, form.variables) : undefined;
  const warnings = shown ? problemsByVariable(shown.warnings, form.variables) : undefined;
  const blockedRows = new Map(blockers.filter((b) => b.field.startsWith('v')).map((b) => [b.field, [b.message]]));
  const rowProblems = merge(problems?.byRow ?? new Map(), saveError?.byRow ?? new Map(), blockedRows);
  const fieldError = (name: string) => saveError?.fields[name] ?? blockers.find((b) => b.field === name && name !== 'prompt')?.message;
  const dirty = isDirty(form, saved);

  const declare = (name: string) => set({ variables: [...form.variables, emptyRow(name)] });

  async function save() {
    setSaving(true);
    setSaveError(null);
    try {
      const b = templateBody(form);
      const t = saved ? await api.templates.update(saved.id, { ...b, version: saved.version }) : await api.templates.create(b);
      qc.setQueryData(templateKeys.one(t.id), t);
      void qc.invalidateQueries({ queryKey: templateKeys.all });
      toast({ level: 'success', title: saved ? `Saved ${t.name} (version ${t.version})` : `Created ${t.name}` });
      if (!saved) navigate(`/templates/${encodeURIComponent(t.id)}`, { replace: true });
      else setForm(formOfTemplate(t));
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) setStale(true);
      else {
        const e = errorsOf(err);
        const mapped = fieldErrorsOf(e.fields, form.variables);
        setSaveError({ ...mapped, message: e.message });
      }
    } finally {
      setSaving(false);
    }
  }

  async function reload() {
    if (!saved) return;
    const t = await qc.fetchQuery({ queryKey: templateKeys.one(saved.id), queryFn: () => api.templates.get(saved.id), staleTime: 0 });
    setForm(formOfTemplate(t));
    setStale(false);
    setSaveError(null);
  }

  return (
    <div className="tp-editor">
      <form
        className="st-form tp-form"
        aria-label={saved ? `Edit ${saved.name}` : 'New template'}
        onSubmit={(e) => {
          e.preventDefault();
          if (canEdit && !saving) void save();
        }}
      >
        {stale && (
          <div className="st-warn" role="alert" data-testid="template-stale">
            Someone saved this template in between: reload to see their version (your changes here are replaced).{' '}
            <button type="button" onClick={() => void reload()}>
              Reload
            </button>
          </div>
        )}
        <TemplateFields form={form} set={set} error={fieldError} disabled={!canEdit} promptBlocked={blockers.some((b) => b.field === 'prompt')} />
        <VariablesEditor rows={form.variables} onChange={(variables) => set({ variables })} problems={rowProblems} warnings={warnings?.byRow ?? new Map()} disabled={!canEdit} />
        {saveError && (
          <p className="st-error" role="alert" data-testid="template-save-error">
            {saveError.message}
          </p>
        )}
        <div className="st-actions">
          {saved && <span className="st-muted">{dirty ? 'Unsaved changes' : `Version ${saved.version}`}</span>}
          {saved && canEdit && <DeleteTemplate template={saved} />}
          {saved && (
            <button type="button" onClick={() => setLaunching(true)} title={dirty ? 'Launches the saved version' : undefined}>
              Launch
            </button>
          )}
          {canEdit && (
            <button type="submit" className="primary" disabled={saving || (!!saved && !dirty)}>
              {saving ? 'Saving…' : saved ? 'Save' : 'Create template'}
            </button>
          )}
        </div>
      </form>
      <TemplatePreviewPane
        rows={form.variables}
        values={values}
        setValues={setValues}
        preview={shown}
        problems={problems}
        blockers={blockers.map((b) => b.message)}
        loading={preview.isFetching}
        error={blockers.length === 0 ? preview.error : null}
        declare={declare}
        canEdit={canEdit}
      />
      {saved && <BatchDialog open={launching} template={saved} onClose={() => setLaunching(false)} />}
    </div>
  );
}
