import { useState, type ReactNode } from 'react';
import type { Template, TemplateVariable } from '@autopilot/contracts';
import { describedBy, FieldError } from '../settings/settings-ui';
import { readTaskFile, type BatchForm } from './batch-logic';

/* The dialog's fields for each kind of batch. Each takes the form, a patch function and the field errors. */

export interface FieldsProps {
  form: BatchForm;
  set: (patch: Partial<BatchForm>) => void;
  errors: Record<string, string>;
}

/** A labelled field with its error tied to the input (ids are `batch-<name>`). */
export function Field({ name, label, hint, error, children }: { name: string; label: string; hint?: string; error?: string; children: ReactNode }) {
  return (
    <div className="st-field">
      <label htmlFor={`batch-${name}`}>{label}</label>
      {children}
      {hint && <span className="st-hint">{hint}</span>}
      <FieldError id={`batch-${name}-error`} text={error} />
    </div>
  );
}

/** aria-invalid/aria-describedby for the input of field `name`. */
export const aria = (name: string, error?: string) => describedBy(`batch-${name}-error`, error);

function VariableInput({ v, value, onChange, error }: { v: TemplateVariable; value: string; onChange: (s: string) => void; error?: string }) {
  const id = `batch-values-${v.name}`;
  const common = { id, value, onChange: (e: { target: { value: string } }) => onChange(e.target.value), ...describedBy(`${id}-error`, error) };
  const placeholder = v.default !== undefined ? `default: ${String(v.default)}` : undefined;
  return (
    <div className="st-field">
      <label htmlFor={id}>
        {v.name}
        {v.required ? ' (required)' : ''} <span className="st-muted">{v.type}</span>
      </label>
      {v.type === 'enum' ? (
        <select {...common}>
          <option value="">{placeholder ?? '—'}</option>
          {v.values.map((x) => (
            <option key={x} value={x}>
              {x}
            </option>
          ))}
        </select>
      ) : v.type === 'boolean' ? (
        <select {...common}>
          <option value="">{placeholder ?? '—'}</option>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      ) : (
        <input {...common} inputMode={v.type === 'number' ? 'decimal' : undefined} placeholder={placeholder ?? (v.type === 'repo' ? 'owner/repo' : undefined)} autoComplete="off" spellCheck={false} />
      )}
      {v.description && <span className="st-hint">{v.description}</span>}
      <FieldError id={`${id}-error`} text={error} />
    </div>
  );
}

/** The template's variables as a form (values as typed; typed on submit by batchBody). */
export function VariablesForm({ template, form, set, errors, shared }: FieldsProps & { template: Template; shared?: boolean }) {
  const vars = template.variables;
  if (vars.length === 0) return <p className="st-hint">This template has no variables.</p>;
  return (
    <fieldset className="bt-fieldset">
      <legend>{shared ? 'Values shared by every task (a CSV column of the same name wins)' : 'Variables'}</legend>
      <div className="st-fields">
        {vars.map((v) => (
          <VariableInput key={v.name} v={v} value={form.values[v.name] ?? ''} onChange={(s) => set({ values: { ...form.values, [v.name]: s } })} error={errors[`values.${v.name}`]} />
        ))}
      </div>
    </fieldset>
  );
}

/** The template picker (a select over the workspace's templates). */
export function TemplatePicker({ templates, form, set, errors, optional }: FieldsProps & { templates: readonly Template[]; optional?: boolean }) {
  return (
    <Field name="templateId" label={optional ? 'Template (optional)' : 'Template'} error={errors.templateId} hint={optional ? 'Each task fills it: a line is its task variable, a CSV row gives variables by column' : undefined}>
      <select id="batch-templateId" value={form.templateId} onChange={(e) => set({ templateId: e.target.value, values: {} })} {...aria('templateId', errors.templateId)}>
        <option value="">{optional ? 'No template: each task is the prompt' : 'Choose a template'}</option>
        {templates.map((t) => (
          <option key={t.id} value={t.id}>
            {t.name}
          </option>
        ))}
      </select>
    </Field>
  );
}

/** Repositories, one per line. */
export function ReposField({ form, set, errors, optional }: FieldsProps & { optional?: boolean }) {
  return (
    <Field name="repos" label={optional ? 'Repositories (optional)' : 'Repositories'} hint={optional ? "One per line (owner/repo). Empty: the template's own" : 'One per line (owner/repo): one session each'} error={errors.repos}>
      <textarea id="batch-repos" rows={4} value={form.repos} onChange={(e) => set({ repos: e.target.value })} placeholder={'acme/api\nacme/web'} spellCheck={false} {...aria('repos', errors.repos)} />
    </Field>
  );
}

/** The same prompt over many repositories. */
export function PromptFields({ form, set, errors }: FieldsProps) {
  return (
    <>
      <Field name="prompt" label="Prompt" error={errors.prompt}>
        <textarea id="batch-prompt" rows={4} value={form.prompt} onChange={(e) => set({ prompt: e.target.value })} placeholder="What should Jules do in each repository?" {...aria('prompt', errors.prompt)} />
      </Field>
      <div className="st-fields">
        <Field name="title" label="Title (optional)" error={errors.title}>
          <input id="batch-title" value={form.title} onChange={(e) => set({ title: e.target.value })} {...aria('title', errors.title)} />
        </Field>
        <Field name="branch" label="Starting branch (optional)" hint="Empty: each repository's default branch" error={errors.branch}>
          <input id="batch-branch" value={form.branch} onChange={(e) => set({ branch: e.target.value })} spellCheck={false} {...aria('branch', errors.branch)} />
        </Field>
      </div>
      <ReposField form={form} set={set} errors={errors} />
    </>
  );
}

const FORMATS: { value: BatchForm['format']; label: string; placeholder: string }[] = [
  { value: 'lines', label: 'Lines', placeholder: 'Fix the flaky login test\nAdd a dark mode toggle\n# a comment is skipped' },
  { value: 'checklist', label: 'Checklist', placeholder: '- [ ] Fix the flaky login test\n- [ ] Add a dark mode toggle\n- [x] already done (skipped)' },
  { value: 'csv', label: 'CSV', placeholder: 'prompt,source,branch\n"Fix the login test",acme/api,main' },
];

/** A task list: pasted lines or checklist, or a CSV (pasted or uploaded); one repository and branch for all. */
export function TasksFields({ form, set, errors }: FieldsProps) {
  const [fileNote, setFileNote] = useState<string | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const placeholder = FORMATS.find((f) => f.value === form.format)?.placeholder;
  return (
    <>
      <fieldset className="bt-fieldset">
        <legend>Format</legend>
        <div className="bt-segmented" role="radiogroup" aria-label="Task list format">
          {FORMATS.map((f) => (
            <label key={f.value} className={form.format === f.value ? 'on' : undefined}>
              <input type="radio" name="batch-format" value={f.value} checked={form.format === f.value} onChange={() => set({ format: f.value })} />
              {f.label}
            </label>
          ))}
        </div>
      </fieldset>
      <Field name="text" label="Tasks" hint="One session per task" error={errors.text ?? fileError ?? undefined}>
        <textarea id="batch-text" rows={6} value={form.text} onChange={(e) => set({ text: e.target.value })} placeholder={placeholder} spellCheck={false} {...aria('text', errors.text ?? fileError ?? undefined)} />
      </Field>
      <div className="bt-upload">
        <label htmlFor="batch-file">Or upload a CSV file</label>
        <input
          id="batch-file"
          type="file"
          accept=".csv,text/csv,text/plain"
          onChange={async (e) => {
            const file = e.target.files?.[0];
            if (!file) return;
            const r = await readTaskFile(file);
            if ('error' in r) {
              setFileError(r.error);
              setFileNote(null);
            } else {
              setFileError(null);
              setFileNote(`Read ${file.name}: ${r.text.split(/\r?\n/).filter((l) => l.trim()).length} lines`);
              set({ text: r.text, format: 'csv' });
            }
            e.target.value = '';
          }}
        />
        {fileNote && (
          <span className="st-hint" role="status">
            {fileNote}
          </span>
        )}
      </div>
      <div className="st-fields">
        <Field name="source" label="Repository for every task (optional)" hint="owner/repo; a CSV source column wins" error={errors.source}>
          <input id="batch-source" value={form.source} onChange={(e) => set({ source: e.target.value })} placeholder="owner/repo" spellCheck={false} autoComplete="off" {...aria('source', errors.source)} />
        </Field>
        <Field name="branch" label="Starting branch (optional)" hint="Empty: the repository's default branch" error={errors.branch}>
          <input id="batch-branch" value={form.branch} onChange={(e) => set({ branch: e.target.value })} spellCheck={false} {...aria('branch', errors.branch)} />
        </Field>
      </div>
    </>
  );
}
