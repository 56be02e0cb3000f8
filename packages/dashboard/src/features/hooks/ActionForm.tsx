import type { HookActionKind } from '@autopilot/contracts';
import { describedBy, FieldError } from '../settings/settings-ui';
import { useTemplates } from '../templates/data';
import { ACTION_FIELDS, ACTION_KINDS, ACTION_LABELS, hasExtract, hasReply, newKey, undefinedPlaceholders, type RuleDraft } from './rules-logic';

const LABELS: Record<string, string> = {
  templateId: 'Template',
  repo: 'Repository',
  prompt: 'Prompt',
  title: 'Title',
  items: 'Items (JSONPath)',
  sessionId: 'Session',
  message: 'Message',
  body: 'Text',
  severity: 'Severity',
  defaultRepo: 'Default repository',
};
const LONG = new Set(['prompt', 'message', 'body']);
const HINTS: Record<string, string> = {
  repo: 'owner/name, literal or with {{name}}',
  items: 'each selected value is one session, e.g. $.body.tasks[*]',
  sessionId: 'orchestrator or Jules id, e.g. {{session}}',
  defaultRepo: 'used when the command names no repository',
};

interface Props {
  draft: RuleDraft;
  prefix: string;
  errors: Record<string, string>;
  readOnly: boolean;
  onChange: (patch: Partial<RuleDraft>) => void;
}

/** The inputs of a rule's action: the kind, its fields, template variables, `extract` rows and `{{name}}` hints. */
export function ActionForm({ draft: d, prefix, errors, readOnly, onChange }: Props) {
  const templates = useTemplates();
  const id = (f: string) => `hk-${prefix}.action.${f}`.replace(/[^A-Za-z0-9_-]/g, '-');
  const err = (f: string) => errors[`${prefix}.action.${f}`];
  const setField = (f: string, v: string) => onChange({ fields: { ...d.fields, [f]: v } });
  const template = templates.data?.find((t) => t.id === d.fields.templateId);
  const missing = undefinedPlaceholders(d);

  const input = (f: string) => {
    const label = LABELS[f] ?? f;
    const common = { id: id(f), disabled: readOnly, ...describedBy(`${id(f)}-error`, err(f)) };
    let control;
    if (f === 'templateId')
      control = (
        <select {...common} value={d.fields.templateId ?? ''} onChange={(e) => onChange({ fields: { ...d.fields, templateId: e.target.value }, values: {} })}>
          <option value="">{d.kind === 'run_batch' ? 'None: each item is a prompt' : templates.isLoading ? 'Loading…' : 'Choose a template'}</option>
          {templates.data?.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
      );
    else if (f === 'severity')
      control = (
        <select {...common} value={d.fields.severity ?? ''} onChange={(e) => setField('severity', e.target.value)}>
          <option value="">info (default)</option>
          <option value="warning">warning</option>
          <option value="critical">critical</option>
        </select>
      );
    else if (LONG.has(f)) control = <textarea {...common} rows={3} value={d.fields[f] ?? ''} onChange={(e) => setField(f, e.target.value)} spellCheck={false} />;
    else control = <input {...common} value={d.fields[f] ?? ''} onChange={(e) => setField(f, e.target.value)} spellCheck={false} autoComplete="off" className={f === 'items' ? 'st-mono' : undefined} />;
    return (
      <div className="st-field" key={f}>
        <label htmlFor={id(f)}>{label}</label>
        {control}
        {HINTS[f] && <span className="st-hint">{HINTS[f]}</span>}
        <FieldError id={`${id(f)}-error`} text={err(f)} />
      </div>
    );
  };

  return (
    <fieldset className="tp-fieldset">
      <legend>Then</legend>
      <div className="st-field">
        <label htmlFor={id('kind')}>Action</label>
        <select id={id('kind')} value={d.kind} disabled={readOnly} onChange={(e) => onChange({ kind: e.target.value as HookActionKind, fields: {}, values: {} })}>
          {ACTION_KINDS.map((k) => (
            <option key={k} value={k}>
              {ACTION_LABELS[k]}
            </option>
          ))}
        </select>
        <FieldError id={`${id('kind')}-error`} text={err('kind')} />
      </div>
      {d.kind === 'slack_command' && <p className="st-hint">Runs /jules &lt;prompt&gt; [owner/repo] from the Slack form fields and answers in the thread when the session has a PR.</p>}
      <div className="st-fields">{ACTION_FIELDS[d.kind].map(input)}</div>
      {d.kind === 'launch_template' && template && template.variables.length > 0 && (
        <div className="st-fields">
          {template.variables.map((v) => (
            <div className="st-field" key={v.name}>
              <label htmlFor={id(`values.${v.name}`)}>{`${v.name}${v.required && v.default === undefined ? ' (required)' : ''}`}</label>
              <input
                id={id(`values.${v.name}`)}
                disabled={readOnly}
                value={d.values[v.name] ?? ''}
                placeholder={`{{${v.name}}}`}
                onChange={(e) => onChange({ values: { ...d.values, [v.name]: e.target.value } })}
                spellCheck={false}
                {...describedBy(`${id(`values.${v.name}`)}-error`, err(`values.${v.name}`))}
              />
              <FieldError id={`${id(`values.${v.name}`)}-error`} text={err(`values.${v.name}`)} />
            </div>
          ))}
        </div>
      )}
      {hasExtract(d.kind) && (
        <div className="hk-extract">
          <span className="hk-label">Variables extracted from the delivery</span>
          {d.extract.map((row, i) => (
            <div className="hk-extract-row" key={row.key} data-testid="extract-row">
              <input
                aria-label={`Variable ${i + 1} name`}
                disabled={readOnly}
                value={row.name}
                placeholder="name"
                onChange={(e) => onChange({ extract: d.extract.map((r) => (r.key === row.key ? { ...r, name: e.target.value } : r)) })}
                spellCheck={false}
              />
              <input
                aria-label={`Variable ${i + 1} path`}
                className="st-mono"
                disabled={readOnly}
                value={row.path}
                placeholder="$.body.data.title"
                onChange={(e) => onChange({ extract: d.extract.map((r) => (r.key === row.key ? { ...r, path: e.target.value } : r)) })}
                spellCheck={false}
                {...describedBy(`${id(`extract-${i}`)}-error`, err(`extract.${row.name.trim()}`))}
              />
              {!readOnly && (
                <button type="button" className="ghost" aria-label={`Remove variable ${i + 1}`} onClick={() => onChange({ extract: d.extract.filter((r) => r.key !== row.key) })}>
                  ×
                </button>
              )}
              <FieldError id={`${id(`extract-${i}`)}-error`} text={err(`extract.${row.name.trim()}`)} />
            </div>
          ))}
          {!readOnly && (
            <button type="button" className="hk-add" onClick={() => onChange({ extract: [...d.extract, { key: newKey(), name: '', path: '$.body.' }] })}>
              Add variable
            </button>
          )}
          <span className="st-hint">
            Use a variable as {'{{name}}'} in the texts above{d.extract.some((r) => r.name.trim()) ? `: ${d.extract.filter((r) => r.name.trim()).map((r) => `{{${r.name.trim()}}}`).join(' ')}` : ''}. Values are data from the sender, never instructions.
          </span>
          {missing.length > 0 && (
            <span className="st-field-error" data-testid="placeholder-warning">
              Not extracted: {missing.map((m) => `{{${m}}}`).join(', ')}
            </span>
          )}
        </div>
      )}
      {hasReply(d.kind) && (
        <div className="st-field">
          <label htmlFor={id('reply')}>Answer the sender with the PR</label>
          <select id={id('reply')} disabled={readOnly} value={d.reply === null ? '' : d.reply ? 'yes' : 'no'} onChange={(e) => onChange({ reply: e.target.value === '' ? null : e.target.value === 'yes' })}>
            <option value="">Default (yes for Slack and Linear)</option>
            <option value="yes">Yes</option>
            <option value="no">No</option>
          </select>
        </div>
      )}
    </fieldset>
  );
}
