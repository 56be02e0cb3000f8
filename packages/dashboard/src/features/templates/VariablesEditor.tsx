import { TEMPLATE_VARIABLE_TYPES, emptyRow, type VariableRow } from './template-form';

/* The variables of a template: one row each (name, type, required, default, description, enum values, pattern). */

interface Props {
  rows: VariableRow[];
  onChange: (rows: VariableRow[]) => void;
  /** Problems to show under each row (preview problems, save errors, draft blockers), by row key. */
  problems: Map<string, string[]>;
  /** Warnings (declared but unused, a default that breaks its rules), by row key. */
  warnings: Map<string, string[]>;
  disabled?: boolean;
}

function Row({ row, n, set, remove, problems, warnings, disabled }: { row: VariableRow; n: number; set: (p: Partial<VariableRow>) => void; remove: () => void; problems: string[]; warnings: string[]; disabled?: boolean }) {
  const id = (f: string) => `tpl-var-${row.key}-${f}`;
  const label = (f: string) => `Variable ${n} ${f}`;
  const errId = id('problems');
  const invalid = problems.length > 0 ? { 'aria-invalid': true as const, 'aria-describedby': errId } : {};
  return (
    <li className="tp-var" data-testid="template-variable" data-variable={row.name}>
      <div className="tp-var-grid">
        <div className="st-field">
          <label htmlFor={id('name')}>Name</label>
          <input id={id('name')} aria-label={label('name')} value={row.name} onChange={(e) => set({ name: e.target.value })} spellCheck={false} autoComplete="off" disabled={disabled} {...invalid} />
        </div>
        <div className="st-field">
          <label htmlFor={id('type')}>Type</label>
          <select id={id('type')} aria-label={label('type')} value={row.type} onChange={(e) => set({ type: e.target.value as VariableRow['type'], default: '' })} disabled={disabled}>
            {TEMPLATE_VARIABLE_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        <div className="st-field">
          <label htmlFor={id('default')}>Default</label>
          {row.type === 'boolean' ? (
            <select id={id('default')} aria-label={label('default')} value={row.default} onChange={(e) => set({ default: e.target.value })} disabled={disabled}>
              <option value="">none</option>
              <option value="true">true</option>
              <option value="false">false</option>
            </select>
          ) : (
            <input id={id('default')} aria-label={label('default')} value={row.default} onChange={(e) => set({ default: e.target.value })} inputMode={row.type === 'number' ? 'decimal' : undefined} spellCheck={false} autoComplete="off" disabled={disabled} />
          )}
        </div>
        <label className="tp-check">
          <input type="checkbox" checked={row.required} onChange={(e) => set({ required: e.target.checked })} aria-label={label('required')} disabled={disabled} />
          Required
        </label>
      </div>
      <div className="st-field">
        <label htmlFor={id('description')}>Description</label>
        <input id={id('description')} aria-label={label('description')} value={row.description} onChange={(e) => set({ description: e.target.value })} disabled={disabled} />
      </div>
      {row.type === 'enum' && (
        <div className="st-field">
          <label htmlFor={id('values')}>Values</label>
          <textarea id={id('values')} aria-label={label('values')} rows={2} value={row.values} onChange={(e) => set({ values: e.target.value })} placeholder={'low\nhigh'} spellCheck={false} disabled={disabled} />
          <span className="st-hint">One per line or comma-separated; exact text</span>
        </div>
      )}
      {row.type === 'string' && (
        <div className="st-field">
          <label htmlFor={id('pattern')}>Pattern (optional)</label>
          <input id={id('pattern')} aria-label={label('pattern')} value={row.pattern} onChange={(e) => set({ pattern: e.target.value })} placeholder="^[A-Z]+-[0-9]+$" spellCheck={false} className="st-mono" disabled={disabled} />
          <span className="st-hint">A value must contain a match (RE2; anchor with ^ and $)</span>
        </div>
      )}
      {problems.length > 0 && (
        <ul className="tp-problems" id={errId} role="alert" data-testid="variable-problems">
          {problems.map((m, i) => (
            <li key={i}>
              <strong>{row.name || `Variable ${n}`}</strong> {m}
            </li>
          ))}
        </ul>
      )}
      {warnings.length > 0 && (
        <ul className="tp-warnings">
          {warnings.map((m, i) => (
            <li key={i}>{m}</li>
          ))}
        </ul>
      )}
      {!disabled && (
        <div className="st-actions">
          <button type="button" onClick={remove} aria-label={`Remove variable ${row.name || n}`}>
            Remove
          </button>
        </div>
      )}
    </li>
  );
}

export function VariablesEditor({ rows, onChange, problems, warnings, disabled }: Props) {
  return (
    <fieldset className="tp-fieldset">
      <legend>Variables</legend>
      <p className="st-hint">
        Write <code>{'{{name}}'}</code> in the prompt, title or branch; declare each here. A variable named <code>repo</code> (type repo) chooses the repository when no sources are set.
      </p>
      {rows.length > 0 && (
        <ol className="tp-vars">
          {rows.map((r, i) => (
            <Row
              key={r.key}
              row={r}
              n={i + 1}
              set={(p) => onChange(rows.map((x) => (x.key === r.key ? { ...x, ...p } : x)))}
              remove={() => onChange(rows.filter((x) => x.key !== r.key))}
              problems={problems.get(r.key) ?? []}
              warnings={warnings.get(r.key) ?? []}
              disabled={disabled}
            />
          ))}
        </ol>
      )}
      {!disabled && (
        <div className="st-actions start">
          <button type="button" onClick={() => onChange([...rows, emptyRow()])}>
            Add variable
          </button>
        </div>
      )}
    </fieldset>
  );
}
