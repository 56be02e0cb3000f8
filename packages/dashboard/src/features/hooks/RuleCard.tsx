import type { HookConditionOp } from '@autopilot/contracts';
import { Switch } from '../../lib/ui';
import { describedBy, FieldError } from '../settings/settings-ui';
import { ActionForm } from './ActionForm';
import { CONDITION_OPS, emptyCondition, OP_LABELS, takesValue, unplacedIssues, type ConditionDraft, type RuleDraft } from './rules-logic';

interface Props {
  draft: RuleDraft;
  index: number;
  count: number;
  errors: Record<string, string>;
  readOnly: boolean;
  onChange: (patch: Partial<RuleDraft>) => void;
  onMove: (dir: -1 | 1) => void;
  onRemove: () => void;
}

const safeId = (s: string) => `hk-${s}`.replace(/[^A-Za-z0-9_-]/g, '-');

/** One rule: name, enabled, move, delete; its conditions (path, operator, value) and its action. */
export function RuleCard({ draft: d, index, count, errors, readOnly, onChange, onMove, onRemove }: Props) {
  const prefix = `rules.${index}`;
  const n = index + 1;
  const setCondition = (key: string, patch: Partial<ConditionDraft>) => onChange({ conditions: d.conditions.map((c) => (c.key === key ? { ...c, ...patch } : c)) });
  const placed = new Set<string>([`${prefix}.name`, ...d.conditions.flatMap((_, j) => ['path', 'op', 'value'].map((f) => `${prefix}.conditions.${j}.${f}`))]);
  // Action fields are shown by ActionForm; everything else under the rule is listed at its foot.
  for (const k of Object.keys(errors)) if (k.startsWith(`${prefix}.action.`)) placed.add(k);
  const rest = unplacedIssues(errors, prefix, placed);

  return (
    <li className={d.enabled ? 'st-item hk-rule' : 'st-item hk-rule hk-off'} data-testid="hook-rule" aria-label={`Rule ${n}: ${d.name}`}>
      <div className="st-item-head">
        <span className="st-rule-pos" aria-hidden="true">
          {n}
        </span>
        <div className="st-field hk-grow">
          <input id={safeId(`${prefix}.name`)} value={d.name} disabled={readOnly} onChange={(e) => onChange({ name: e.target.value })} aria-label={`Rule ${n} name`} {...describedBy(safeId(`${prefix}.name-error`), errors[`${prefix}.name`])} />
          <FieldError id={safeId(`${prefix}.name-error`)} text={errors[`${prefix}.name`]} />
        </div>
        <Switch checked={d.enabled} label="Enabled" disabled={readOnly} onChange={(enabled) => onChange({ enabled })} />
        {!readOnly && (
          <div className="hk-buttons">
            <button type="button" aria-label={`Move rule ${n} up`} disabled={index === 0} onClick={() => onMove(-1)}>
              ↑
            </button>
            <button type="button" aria-label={`Move rule ${n} down`} disabled={index === count - 1} onClick={() => onMove(1)}>
              ↓
            </button>
            <button type="button" className="danger" aria-label={`Delete rule ${n}`} onClick={onRemove}>
              Delete
            </button>
          </div>
        )}
      </div>
      <fieldset className="tp-fieldset">
        <legend>When all of these hold</legend>
        {d.conditions.length === 0 && <p className="st-hint">No condition: this rule matches every delivery.</p>}
        {d.conditions.map((c, j) => {
          const p = `${prefix}.conditions.${j}`;
          return (
            <div className="hk-cond" key={c.key} data-testid="hook-condition">
              <div className="st-field">
                <label htmlFor={safeId(`${p}.path`)}>Path</label>
                <input id={safeId(`${p}.path`)} className="st-mono" value={c.path} disabled={readOnly} onChange={(e) => setCondition(c.key, { path: e.target.value })} spellCheck={false} autoComplete="off" {...describedBy(safeId(`${p}.path-error`), errors[`${p}.path`])} />
                <FieldError id={safeId(`${p}.path-error`)} text={errors[`${p}.path`]} />
              </div>
              <div className="st-field">
                <label htmlFor={safeId(`${p}.op`)}>Operator</label>
                <select id={safeId(`${p}.op`)} value={c.op} disabled={readOnly} onChange={(e) => setCondition(c.key, { op: e.target.value as HookConditionOp })} {...describedBy(safeId(`${p}.op-error`), errors[`${p}.op`])}>
                  {CONDITION_OPS.map((op) => (
                    <option key={op} value={op}>
                      {OP_LABELS[op]}
                    </option>
                  ))}
                </select>
                <FieldError id={safeId(`${p}.op-error`)} text={errors[`${p}.op`]} />
              </div>
              {takesValue(c.op) ? (
                <div className="st-field">
                  <label htmlFor={safeId(`${p}.value`)}>Value</label>
                  <input id={safeId(`${p}.value`)} value={c.value} disabled={readOnly} onChange={(e) => setCondition(c.key, { value: e.target.value })} spellCheck={false} autoComplete="off" placeholder={c.op === 'in' ? 'a, b or ["a", 1]' : c.op === 'matches' ? '^fix' : 'JSON or text'} {...describedBy(safeId(`${p}.value-error`), errors[`${p}.value`])} />
                  <span className="st-hint">{c.op === 'in' ? 'A list: comma-separated, or a JSON array' : c.op === 'matches' ? 'A regular expression' : 'Parsed as JSON when it parses (5, true, "5"), else text'}</span>
                  <FieldError id={safeId(`${p}.value-error`)} text={errors[`${p}.value`]} />
                </div>
              ) : (
                <span />
              )}
              {!readOnly && (
                <button type="button" className="ghost hk-x" aria-label={`Remove condition ${j + 1} of rule ${n}`} onClick={() => onChange({ conditions: d.conditions.filter((x) => x.key !== c.key) })}>
                  ×
                </button>
              )}
            </div>
          );
        })}
        {!readOnly && (
          <button type="button" className="hk-add" onClick={() => onChange({ conditions: [...d.conditions, emptyCondition()] })}>
            Add condition
          </button>
        )}
      </fieldset>
      <ActionForm draft={d} prefix={prefix} errors={errors} readOnly={readOnly} onChange={onChange} />
      {rest.length > 0 && (
        <ul className="tp-problems" role="alert">
          {rest.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      )}
    </li>
  );
}
