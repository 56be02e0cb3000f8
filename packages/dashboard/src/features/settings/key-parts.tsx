import { useMemo } from 'react';
import { checksOf, scopeGroups, scopesOf, type ScopeGroup } from './key-scopes';
import { FieldError } from './settings-ui';

/* The parts of the API keys tab that create and edit share: the scope checklist, the limit fields, usage bars. */

export interface ScopeState {
  everything: boolean;
  checked: Set<string>;
}
export const scopeStateOf = (scopes: readonly string[] | null | undefined): ScopeState => checksOf(scopes);
export const scopesFromState = (s: ScopeState): string[] => scopesOf(s.checked, s.everything);

/** A grouped checklist: "Everything", or per resource read/write boxes. */
export function ScopePicker({ idPrefix, value, onChange, error }: { idPrefix: string; value: ScopeState; onChange: (next: ScopeState) => void; error?: string }) {
  const groups: ScopeGroup[] = useMemo(() => scopeGroups(), []);
  const toggle = (id: string, on: boolean) => {
    const checked = new Set(value.checked);
    if (on) checked.add(id);
    else checked.delete(id);
    onChange({ everything: false, checked });
  };
  const setGroup = (g: ScopeGroup, verb: 'read' | 'write' | 'both', on: boolean) => {
    const checked = new Set(value.checked);
    for (const r of g.resources)
      for (const v of r.verbs) {
        if (verb !== 'both' && v !== verb) continue;
        if (on) checked.add(`${r.resource}:${v}`);
        else checked.delete(`${r.resource}:${v}`);
      }
    onChange({ everything: false, checked });
  };
  return (
    <fieldset className="st-scopes" data-testid={`${idPrefix}-scopes`} aria-describedby={error ? `${idPrefix}-scopes-error` : undefined}>
      <legend>Scopes</legend>
      <label className="st-scope-all">
        <input type="checkbox" checked={value.everything} onChange={(e) => onChange({ everything: e.target.checked, checked: value.checked })} /> Everything its role allows
      </label>
      {!value.everything && (
        <div className="st-scope-groups">
          {groups.map((g) => (
            <div key={g.label} className="st-scope-group">
              <div className="st-scope-group-head">
                <strong>{g.label}</strong>
                <button type="button" className="ghost small" onClick={() => setGroup(g, 'read', true)}>
                  all read
                </button>
                <button type="button" className="ghost small" onClick={() => setGroup(g, 'both', false)}>
                  none
                </button>
              </div>
              <table className="st-scope-table">
                <tbody>
                  {g.resources.map((r) => (
                    <tr key={r.resource}>
                      <th scope="row">{r.resource}</th>
                      {(['read', 'write'] as const).map((v) => (
                        <td key={v}>
                          {r.verbs.includes(v) && (
                            <label>
                              <input type="checkbox" checked={value.checked.has(`${r.resource}:${v}`)} onChange={(e) => toggle(`${r.resource}:${v}`, e.target.checked)} aria-label={`${r.resource} ${v}`} /> {v}
                            </label>
                          )}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
        </div>
      )}
      {!value.everything && value.checked.size === 0 && <span className="st-hint">No box ticked: the key could call nothing. Tick what it needs.</span>}
      <FieldError id={`${idPrefix}-scopes-error`} text={error} />
    </fieldset>
  );
}

export interface LimitsValue {
  ratePerMinute: string;
  requestsPerDay: string;
  llmUsdPerMonth: string;
}
export const limitsValueOf = (l: { ratePerMinute: number | null; requestsPerDay: number | null; llmUsdPerMonth: number | null } | null | undefined): LimitsValue => ({
  ratePerMinute: l?.ratePerMinute?.toString() ?? '',
  requestsPerDay: l?.requestsPerDay?.toString() ?? '',
  llmUsdPerMonth: l?.llmUsdPerMonth?.toString() ?? '',
});
/** Empty = no limit (null); anything else as a number (the server's schema says what is allowed). */
export function limitsOf(v: LimitsValue): { ratePerMinute: number | null; requestsPerDay: number | null; llmUsdPerMonth: number | null } {
  const n = (s: string) => (s.trim() === '' ? null : Number(s));
  return { ratePerMinute: n(v.ratePerMinute), requestsPerDay: n(v.requestsPerDay), llmUsdPerMonth: n(v.llmUsdPerMonth) };
}

const LIMIT_FIELDS: { k: keyof LimitsValue; label: string; step: string; hint: string }[] = [
  { k: 'ratePerMinute', label: 'Requests per minute', step: '1', hint: 'empty = no limit' },
  { k: 'requestsPerDay', label: 'Requests per day', step: '1', hint: 'empty = no quota' },
  { k: 'llmUsdPerMonth', label: 'LLM $ per month', step: '0.01', hint: 'empty = no limit' },
];

/** The three limits, empty meaning none. */
export function LimitFields({ idPrefix, value, onChange, errors }: { idPrefix: string; value: LimitsValue; onChange: (next: LimitsValue) => void; errors: Record<string, string> }) {
  return (
    <fieldset className="st-fields st-limits" data-testid={`${idPrefix}-limits`}>
      <legend>Limits</legend>
      {LIMIT_FIELDS.map((f) => {
        const err = errors[f.k] ?? errors[`limits.${f.k}`];
        return (
          <div className="st-field" key={f.k}>
            <label htmlFor={`${idPrefix}-${f.k}`}>{f.label}</label>
            <input
              id={`${idPrefix}-${f.k}`}
              type="number"
              min={0}
              step={f.step}
              inputMode="decimal"
              value={value[f.k]}
              placeholder="none"
              onChange={(e) => onChange({ ...value, [f.k]: e.target.value })}
              aria-invalid={err ? true : undefined}
              aria-describedby={err ? `${idPrefix}-${f.k}-error` : undefined}
            />
            <span className="st-hint">{f.hint}</span>
            <FieldError id={`${idPrefix}-${f.k}-error`} text={err} />
          </div>
        );
      })}
    </fieldset>
  );
}

/** A labelled bar: used of limit (no limit = the figure alone). */
export function UsageBar({ label, used, limit, format, testId }: { label: string; used: number; limit: number | null; format: (n: number) => string; testId?: string }) {
  const pct = limit ? Math.min(100, (used / limit) * 100) : 0;
  return (
    <div className="st-usage" data-testid={testId} data-used={used} data-limit={limit ?? ''}>
      <div className="st-usage-text">
        <span className="st-hint">{label}</span>
        <span>
          <strong>{format(used)}</strong>
          <span className="st-muted"> {limit === null ? '(no limit)' : `of ${format(limit)}`}</span>
        </span>
      </div>
      {limit !== null && (
        <div className="meter" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)} aria-label={`${label}: ${Math.round(pct)}% used`}>
          <span style={{ width: `${Math.max(pct, used > 0 ? 2 : 0)}%` }} className={pct >= 90 ? 'bad' : pct >= 75 ? 'warn' : ''} />
        </div>
      )}
    </div>
  );
}
