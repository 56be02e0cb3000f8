import type { TemplatePreview } from '@autopilot/contracts';
import { ApiError } from '@autopilot/client';
import { shortOf } from '../sessions/source-picker';
import type { PreviewProblems, VariableRow } from './template-form';

/*
 * The live preview beside the editor: a value for each declared variable (to try the template), the rendered
 * prompt, title, branch and repositories, and every problem next to the variable it names. Rendered text comes
 * from the template's author and the values typed here; React escapes it, and it is shown as plain text.
 */

interface Props {
  rows: VariableRow[];
  values: Record<string, string>;
  setValues: (v: Record<string, string>) => void;
  preview: TemplatePreview | undefined;
  problems: PreviewProblems | undefined;
  /** Why the draft cannot be previewed yet (shown instead of a request that could only fail). */
  blockers: string[];
  loading: boolean;
  error: unknown;
  /** Adds a variable row for a name the texts use but no row declares. */
  declare: (name: string) => void;
  canEdit: boolean;
}

function ValueInput({ row, value, onChange, problems }: { row: VariableRow; value: string; onChange: (s: string) => void; problems: string[] }) {
  const id = `tpl-value-${row.key}`;
  const placeholder = row.default.trim() !== '' ? `default: ${row.default}` : row.type === 'repo' ? 'owner/repo' : undefined;
  const invalid = problems.length ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-problems` } : {};
  return (
    <div className="st-field" data-testid="preview-value" data-variable={row.name}>
      <label htmlFor={id}>
        {row.name}
        {row.required ? ' (required)' : ''} <span className="st-muted">{row.type}</span>
      </label>
      {row.type === 'boolean' || row.type === 'enum' ? (
        <select id={id} value={value} onChange={(e) => onChange(e.target.value)} {...invalid}>
          <option value="">{placeholder ?? '—'}</option>
          {(row.type === 'boolean' ? ['true', 'false'] : row.values.split(/[\n,]+/).map((s) => s.trim()).filter(Boolean)).map((x) => (
            <option key={x} value={x}>
              {x}
            </option>
          ))}
        </select>
      ) : (
        <input id={id} value={value} onChange={(e) => onChange(e.target.value)} placeholder={placeholder} inputMode={row.type === 'number' ? 'decimal' : undefined} spellCheck={false} autoComplete="off" {...invalid} />
      )}
      {problems.length > 0 && (
        <ul className="tp-problems" id={`${id}-problems`}>
          {problems.map((m, i) => (
            <li key={i}>
              <strong>{row.name}</strong> {m}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function TemplatePreviewPane({ rows, values, setValues, preview, problems, blockers, loading, error, declare, canEdit }: Props) {
  const named = rows.filter((r) => r.name.trim());
  const count = problems ? problems.general.length + problems.undeclared.size + [...problems.byRow.values()].reduce((n, l) => n + l.length, 0) : 0;
  return (
    <aside className="tp-preview st-card" aria-labelledby="tpl-preview-title" data-testid="template-preview">
      <div className="st-item-head">
        <h2 id="tpl-preview-title" className="tp-h2">
          Preview
        </h2>
        <span className="st-grow" />
        <span className="st-muted" aria-live="polite">
          {loading ? 'Updating…' : blockers.length ? 'Waiting' : count === 0 && preview ? 'Ready to launch' : preview ? `${count} problem${count === 1 ? '' : 's'}` : ''}
        </span>
      </div>
      {named.length > 0 && (
        <fieldset className="tp-fieldset">
          <legend>Try values</legend>
          <div className="st-fields">
            {named.map((r) => (
              <ValueInput key={r.key} row={r} value={values[r.name.trim()] ?? ''} onChange={(s) => setValues({ ...values, [r.name.trim()]: s })} problems={problems?.byRow.get(r.key) ?? []} />
            ))}
          </div>
        </fieldset>
      )}
      {blockers.length > 0 && (
        <ul className="st-note tp-blockers">
          {blockers.map((b, i) => (
            <li key={i}>{b}</li>
          ))}
        </ul>
      )}
      {error != null && blockers.length === 0 && (
        <p className="st-error" role="alert">
          {error instanceof ApiError ? error.issues.map((i) => `${i.path.replace(/^body\.(template\.)?/, '')}: ${i.message}`).join('; ') || error.message : String(error)}
        </p>
      )}
      {problems && (problems.undeclared.size > 0 || problems.general.length > 0) && (
        <ul className="tp-problems" role="alert" data-testid="preview-problems">
          {[...problems.undeclared].map(([name, msgs]) => (
            <li key={name} data-variable={name}>
              <strong>{name}</strong> {msgs.join('; ')}
              {canEdit && (
                <button type="button" className="tp-inline" onClick={() => declare(name)}>
                  Declare {name}
                </button>
              )}
            </li>
          ))}
          {problems.general.map((m, i) => (
            <li key={i}>{m}</li>
          ))}
        </ul>
      )}
      {preview && blockers.length === 0 && (
        <dl className="tp-rendered">
          <dt>Title</dt>
          <dd data-testid="preview-title">{preview.title ?? <span className="st-muted">Jules titles the session</span>}</dd>
          <dt>Prompt</dt>
          <dd>
            <pre className="tp-pre" data-testid="preview-prompt">
              {preview.prompt}
            </pre>
          </dd>
          <dt>Repositories</dt>
          <dd>{preview.sources.length ? preview.sources.map(shortOf).join(', ') : <span className="st-muted">none: a repoless session</span>}</dd>
          <dt>Branch</dt>
          <dd>{preview.branch ?? <span className="st-muted">the default branch</span>}</dd>
          <dt>Sessions</dt>
          <dd>
            {preview.requirePlanApproval ? 'plan approved by a person' : 'plan approved automatically'}, {preview.automationMode === 'AUTO_CREATE_PR' ? 'opens a pull request' : 'no pull request'}
            {preview.keeper.paused ? ', keeper paused' : ''}
            {preview.keeper.holdWords.length ? `, hold words: ${preview.keeper.holdWords.join(', ')}` : ''}
          </dd>
        </dl>
      )}
    </aside>
  );
}
