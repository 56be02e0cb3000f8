import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError } from '@autopilot/client';
import { LlmTask, RoutingRuleBody, type Me, type RoutingRule } from '@autopilot/contracts';
import { Link } from '../../app/router';
import { useApi, useMe } from '../../lib/api';
import { ErrorNote } from '../../lib/ui';
import { describedBy, errorsOf, FieldError, isAdmin, Modal } from './settings-ui';
import { Simulator } from './RoutingSimulator';

const rulesKey = ['settings', 'routing'] as const;
const TASKS = LlmTask.options;
type RuleInput = RoutingRuleBody;

/** A rule as the API takes it back (for a full replace: reorder, edit). */
const inputOf = (r: RoutingRule): RuleInput => ({ name: r.name, enabled: r.enabled, match: r.match, targets: r.targets, fallbackToDefaults: r.fallbackToDefaults });

/** Zod or API issues by field path without the `body.` / `body.rules.N.` prefix: `name`, `targets.0.provider`, `match.hoursUtc.from`. */
function issuesByField(issues: Array<{ path: string; message: string }>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of issues) {
    const key = i.path.replace(/^body\./, '').replace(/^rules\.\d+\./, '');
    out[key] ??= i.message;
  }
  return out;
}

interface TargetDraft {
  provider: string;
  model: string;
}

/** Add or edit one rule. Checked with the server's schema first; the server's own refusals land on the same fields. */
function RuleForm({ initial, providers, onSave, onCancel, saving, serverError }: {
  initial?: RoutingRule;
  providers: string[];
  onSave: (rule: RuleInput) => void;
  onCancel: () => void;
  saving: boolean;
  serverError: unknown;
}) {
  const m = initial?.match ?? {};
  const [targets, setTargets] = useState<TargetDraft[]>(initial?.targets.map((t) => ({ provider: t.provider, model: t.model ?? '' })) ?? [{ provider: providers[0] ?? '', model: '' }]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const server = serverError instanceof ApiError ? issuesByField(serverError.issues) : {};
  const err = (f: string) => errors[f] ?? server[f];
  const formMessage = serverError && Object.keys(server).length === 0 ? errorsOf(serverError).message : null;
  const idp = initial ? `edit-${initial.id}` : 'new-rule';

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const num = (k: string) => {
      const v = String(f.get(k) ?? '').trim();
      return v === '' ? undefined : Number(v);
    };
    const tasks = TASKS.filter((t) => f.get(`task-${t}`) === 'on');
    const personas = String(f.get('personas') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const from = num('hourFrom');
    const to = num('hourTo');
    const candidate = {
      name: String(f.get('name') ?? ''),
      enabled: f.get('enabled') === 'on',
      match: {
        ...(tasks.length ? { tasks } : {}),
        ...(personas.length ? { personas } : {}),
        ...(num('below') !== undefined ? { budgetLeftBelowPct: num('below') } : {}),
        ...(num('atLeast') !== undefined ? { budgetLeftAtLeastPct: num('atLeast') } : {}),
        ...(from !== undefined || to !== undefined ? { hoursUtc: { from, to } } : {}),
      },
      targets: targets.map((t) => ({ provider: t.provider.trim(), ...(t.model.trim() ? { model: t.model.trim() } : {}) })),
      fallbackToDefaults: f.get('fallback') === 'on',
    };
    const parsed = RoutingRuleBody.safeParse(candidate);
    if (!parsed.success) {
      const next = issuesByField(parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
      if (next['match.hoursUtc.from'] || next['match.hoursUtc.to']) {
        next['match.hoursUtc'] = 'Give both hours, 0 to 24 (from inclusive, to exclusive; from > to wraps past midnight)';
      }
      if (next.targets) next.targets = 'Add at least one target (at most 10)';
      return setErrors(next);
    }
    setErrors({});
    onSave(parsed.data);
  }
  const fieldId = (f: string) => `${idp}-${f.replace(/\./g, '-')}-error`;
  return (
    <form className="st-card st-form" onSubmit={submit} noValidate aria-label={initial ? `Edit rule ${initial.name}` : 'New routing rule'} data-testid="rule-form">
      <h3>{initial ? `Edit “${initial.name}”` : 'New rule'}</h3>
      <div className="st-fields">
        <div className="st-field">
          <label htmlFor={`${idp}-name`}>Name</label>
          <input id={`${idp}-name`} name="name" defaultValue={initial?.name ?? ''} maxLength={100} placeholder="reviews on Claude" {...describedBy(fieldId('name'), err('name'))} />
          <FieldError id={fieldId('name')} text={err('name')} />
        </div>
        <div className="st-field">
          <span className="st-hint">State</span>
          <label style={{ display: 'inline-flex', gap: '0.35rem', alignItems: 'center', fontWeight: 'normal' }}>
            <input type="checkbox" name="enabled" defaultChecked={initial?.enabled ?? true} /> Enabled
          </label>
        </div>
      </div>
      <fieldset className="st-field" style={{ border: 'none', padding: 0, margin: 0 }}>
        <legend>Tasks (none ticked = every task)</legend>
        <div className="st-checks">
          {TASKS.map((t) => (
            <label key={t}>
              <input type="checkbox" name={`task-${t}`} defaultChecked={m.tasks?.includes(t) ?? false} /> {t}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="st-fields">
        <div className="st-field">
          <label htmlFor={`${idp}-personas`}>Personas (comma-separated, empty = any)</label>
          <input id={`${idp}-personas`} name="personas" defaultValue={m.personas?.join(', ') ?? ''} placeholder="reviewer, architect" {...describedBy(fieldId('match.personas'), err('match.personas'))} />
          <FieldError id={fieldId('match.personas')} text={err('match.personas') ?? err('match.personas.0')} />
        </div>
        <div className="st-field">
          <label htmlFor={`${idp}-below`}>Budget left below (%)</label>
          <input id={`${idp}-below`} name="below" type="number" min={0} max={100} step="any" defaultValue={m.budgetLeftBelowPct ?? ''} {...describedBy(fieldId('match.budgetLeftBelowPct'), err('match.budgetLeftBelowPct'))} />
          <FieldError id={fieldId('match.budgetLeftBelowPct')} text={err('match.budgetLeftBelowPct')} />
        </div>
        <div className="st-field">
          <label htmlFor={`${idp}-atleast`}>Budget left at least (%)</label>
          <input id={`${idp}-atleast`} name="atLeast" type="number" min={0} max={100} step="any" defaultValue={m.budgetLeftAtLeastPct ?? ''} {...describedBy(fieldId('match.budgetLeftAtLeastPct'), err('match.budgetLeftAtLeastPct'))} />
          <FieldError id={fieldId('match.budgetLeftAtLeastPct')} text={err('match.budgetLeftAtLeastPct')} />
        </div>
        <div className="st-field">
          <span className="st-hint" id={`${idp}-hours-label`}>
            Hours (UTC, from–to)
          </span>
          <div style={{ display: 'flex', gap: '0.4rem' }}>
            <input aria-label="From hour (UTC)" name="hourFrom" type="number" min={0} max={24} defaultValue={m.hoursUtc?.from ?? ''} {...describedBy(fieldId('match.hoursUtc'), err('match.hoursUtc'))} />
            <input aria-label="To hour (UTC)" name="hourTo" type="number" min={0} max={24} defaultValue={m.hoursUtc?.to ?? ''} {...describedBy(fieldId('match.hoursUtc'), err('match.hoursUtc'))} />
          </div>
          <FieldError id={fieldId('match.hoursUtc')} text={err('match.hoursUtc')} />
        </div>
      </div>
      <fieldset className="st-field" style={{ border: 'none', padding: 0, margin: 0 }}>
        <legend>Targets, tried in order</legend>
        <datalist id={`${idp}-providers`}>
          {providers.map((p) => (
            <option key={p} value={p} />
          ))}
        </datalist>
        {targets.map((t, i) => (
          <div className="st-target-row" key={i}>
            <div className="st-field">
              <label htmlFor={`${idp}-t${i}-provider`}>Provider {i + 1}</label>
              <input
                id={`${idp}-t${i}-provider`}
                list={`${idp}-providers`}
                value={t.provider}
                placeholder="name or kind, e.g. anthropic"
                onChange={(e) => setTargets(targets.map((x, j) => (j === i ? { ...x, provider: e.target.value } : x)))}
                {...describedBy(fieldId(`targets.${i}.provider`), err(`targets.${i}.provider`))}
              />
              <FieldError id={fieldId(`targets.${i}.provider`)} text={err(`targets.${i}.provider`)} />
            </div>
            <div className="st-field">
              <label htmlFor={`${idp}-t${i}-model`}>Model {i + 1} (empty = the provider’s default)</label>
              <input
                id={`${idp}-t${i}-model`}
                value={t.model}
                placeholder="claude-sonnet-4-5"
                onChange={(e) => setTargets(targets.map((x, j) => (j === i ? { ...x, model: e.target.value } : x)))}
                {...describedBy(fieldId(`targets.${i}.model`), err(`targets.${i}.model`))}
              />
              <FieldError id={fieldId(`targets.${i}.model`)} text={err(`targets.${i}.model`)} />
            </div>
            <button type="button" onClick={() => setTargets(targets.filter((_, j) => j !== i))} disabled={targets.length === 1} aria-label={`Remove target ${i + 1}`}>
              Remove
            </button>
          </div>
        ))}
        <FieldError id={fieldId('targets')} text={err('targets')} />
        <div className="st-actions start">
          <button type="button" onClick={() => setTargets([...targets, { provider: '', model: '' }])} disabled={targets.length >= 10}>
            Add a target
          </button>
        </div>
        {providers.length === 0 && (
          <p className="st-hint">
            No LLM provider is configured yet: add one on <Link href="/providers">Providers</Link> (a rule may name one you will add later).
          </p>
        )}
      </fieldset>
      <label style={{ display: 'inline-flex', gap: '0.35rem', alignItems: 'center', fontWeight: 'normal' }}>
        <input type="checkbox" name="fallback" defaultChecked={initial?.fallbackToDefaults ?? true} /> After these, try the other providers by priority
      </label>
      {formMessage && (
        <p className="st-error" role="alert">
          {formMessage}
        </p>
      )}
      <div className="st-actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={saving}>
          {saving ? 'Saving…' : initial ? 'Save rule' : 'Add rule'}
        </button>
      </div>
    </form>
  );
}

function RuleItem({ r, index, count, admin, busy, onMove, onEdit, onRemove }: {
  r: RoutingRule;
  index: number;
  count: number;
  admin: boolean;
  busy: boolean;
  onMove: (from: number, to: number) => void;
  onEdit: () => void;
  onRemove: () => void;
}) {
  return (
    <li className="st-item" data-rule-name={r.name} data-testid="rule-item">
      <div className="st-item-head">
        <span className="st-rule-pos" aria-label={`Evaluated ${index + 1}${index === 0 ? 'st' : index === 1 ? 'nd' : index === 2 ? 'rd' : 'th'}`}>
          {index + 1}
        </span>
        <strong>{r.name}</strong>
        {!r.enabled && <span className="pill">disabled</span>}
        <span className="st-grow" />
        {admin && (
          <span className="st-actions">
            <button type="button" onClick={() => onMove(index, index - 1)} disabled={busy || index === 0} aria-label={`Move ${r.name} up`}>
              ↑
            </button>
            <button type="button" onClick={() => onMove(index, index + 1)} disabled={busy || index === count - 1} aria-label={`Move ${r.name} down`}>
              ↓
            </button>
            <button type="button" onClick={onEdit} disabled={busy}>
              Edit
            </button>
            <button type="button" className="danger" onClick={onRemove} disabled={busy}>
              Remove
            </button>
          </span>
        )}
      </div>
      <p className="st-explain" data-testid="rule-explanation">
        {r.explanation}
      </p>
      <ol className="st-chain" aria-label="Targets in order">
        {r.targets.map((t, i) => (
          <li key={i}>
            {i > 0 && <span className="st-muted">→ </span>}
            <span className="pill">
              {t.provider}
              {t.model ? ` / ${t.model}` : ''}
            </span>
          </li>
        ))}
        {r.fallbackToDefaults && (
          <li>
            <span className="st-muted">→ other providers by priority</span>
          </li>
        )}
      </ol>
    </li>
  );
}

/** Settings → Routing policies: the ordered rules (add, edit, remove, reorder for admins) and the route simulator. */
export function RoutingSettings() {
  const api = useApi();
  const qc = useQueryClient();
  const me = useMe();
  const rules = useQuery({ queryKey: rulesKey, queryFn: ({ signal }) => api.routing.list(signal) });
  const providers = useQuery({ queryKey: ['providers', 'list'], queryFn: ({ signal }) => api.providers.list(signal) });
  const [mode, setMode] = useState<{ kind: 'none' } | { kind: 'add' } | { kind: 'edit'; id: string }>({ kind: 'none' });
  const [removing, setRemoving] = useState<RoutingRule | null>(null);
  const admin = isAdmin(me.data as Me | undefined);
  const items = rules.data?.items ?? [];
  const providerNames = [...new Set((providers.data?.items ?? []).flatMap((p) => [p.name, p.kind]))];
  const done = () => {
    void qc.invalidateQueries({ queryKey: rulesKey });
    setMode({ kind: 'none' });
  };
  const append = useMutation({ mutationFn: (r: RuleInput) => api.routing.append(r), onSuccess: done });
  const replace = useMutation({ mutationFn: (list: RuleInput[]) => api.routing.replace(list), onSuccess: (p) => (qc.setQueryData(rulesKey, p), done()) });
  const remove = useMutation({
    mutationFn: (id: string) => api.routing.remove(id),
    onSuccess: () => {
      setRemoving(null);
      void qc.invalidateQueries({ queryKey: rulesKey });
    },
  });
  const move = (from: number, to: number) => {
    const next = items.map(inputOf);
    const [r] = next.splice(from, 1);
    next.splice(to, 0, r!);
    replace.mutate(next);
  };
  const saveEdit = (id: string) => (rule: RuleInput) => replace.mutate(items.map((r) => (r.id === id ? rule : inputOf(r))));
  return (
    <section aria-labelledby="settings-routing" className="st-section">
      <h2 id="settings-routing">Routing policies</h2>
      <p className="st-lead">
        Rules pick the provider and model for each LLM call. They are checked top to bottom; the first that matches decides, and its targets are tried
        in order. When no rule matches, the enabled providers are tried by priority.
      </p>
      {me.data && !admin && <p className="st-note">Only admins and owners change routing rules; you can read them and try the simulator.</p>}
      {rules.isError ? (
        <ErrorNote error={rules.error} retry={() => void rules.refetch()} />
      ) : !rules.data ? (
        <p className="muted">Loading rules…</p>
      ) : (
        <>
          {items.length === 0 ? (
            <p className="st-muted" data-testid="no-rules">
              No rules yet: every call goes to the enabled providers by priority.
            </p>
          ) : (
            <ol className="st-list" aria-label="Routing rules in evaluation order">
              {items.map((r, i) =>
                mode.kind === 'edit' && mode.id === r.id ? (
                  <li key={r.id}>
                    <RuleForm initial={r} providers={providerNames} onSave={saveEdit(r.id)} onCancel={() => (replace.reset(), setMode({ kind: 'none' }))} saving={replace.isPending} serverError={replace.error} />
                  </li>
                ) : (
                  <RuleItem
                    key={r.id}
                    r={r}
                    index={i}
                    count={items.length}
                    admin={admin}
                    busy={replace.isPending}
                    onMove={move}
                    onEdit={() => (replace.reset(), setMode({ kind: 'edit', id: r.id }))}
                    onRemove={() => (remove.reset(), setRemoving(r))}
                  />
                ),
              )}
            </ol>
          )}
          {replace.isError && mode.kind !== 'edit' && (
            <p className="st-error" role="alert">
              Could not reorder: {errorsOf(replace.error).message}
            </p>
          )}
          {admin &&
            (mode.kind === 'add' ? (
              <RuleForm providers={providerNames} onSave={(r) => append.mutate(r)} onCancel={() => (append.reset(), setMode({ kind: 'none' }))} saving={append.isPending} serverError={append.error} />
            ) : (
              <div className="st-actions start">
                <button type="button" className="primary" onClick={() => (append.reset(), setMode({ kind: 'add' }))}>
                  Add a rule
                </button>
              </div>
            ))}
        </>
      )}
      <Simulator hasRules={items.length > 0} />
      <Modal open={removing !== null} onClose={() => setRemoving(null)} labelledBy="remove-rule-title">
        {removing && (
          <div className="st-form">
            <h2 id="remove-rule-title">Remove “{removing.name}”?</h2>
            <p className="st-wrap">{removing.explanation} Calls it decided will fall to the next matching rule, or to the providers by priority.</p>
            {remove.isError && (
              <p className="st-error" role="alert">
                {errorsOf(remove.error).message}
              </p>
            )}
            <div className="st-actions">
              <button type="button" onClick={() => setRemoving(null)}>
                Keep it
              </button>
              <button type="button" className="danger" disabled={remove.isPending} onClick={() => remove.mutate(removing.id)}>
                Remove rule
              </button>
            </div>
          </div>
        )}
      </Modal>
    </section>
  );
}
