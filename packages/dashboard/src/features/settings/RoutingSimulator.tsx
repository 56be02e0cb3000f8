import { useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { LlmTask, SimulateBody, type SimulateResult } from '@autopilot/contracts';
import { Link } from '../../app/router';
import { useApi } from '../../lib/api';
import { describedBy, errorsOf, FieldError } from './settings-ui';

const TASKS = LlmTask.options;

/** Which rule would route a call, and why: the API's own explanation, rule by rule. */
export function Simulator({ hasRules }: { hasRules: boolean }) {
  const api = useApi();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const sim = useMutation({
    mutationFn: (body: SimulateBody) => api.routing.simulate(body),
    onError: (err) => {
      const e = errorsOf(err);
      setErrors(Object.keys(e.fields).length ? e.fields : { form: e.message });
    },
  });
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const text = (k: string) => String(f.get(k) ?? '').trim();
    const at = text('at');
    const candidate = {
      task: text('task'),
      ...(text('persona') ? { persona: text('persona') } : {}),
      ...(text('budget') !== '' ? { budgetLeftPct: Number(text('budget')) } : {}),
      ...(at ? { at: new Date(`${at}:00Z`).toISOString() } : {}),
    };
    const parsed = SimulateBody.safeParse(candidate);
    if (!parsed.success) {
      const next: Record<string, string> = {};
      for (const i of parsed.error.issues) next[String(i.path[0])] ??= i.path[0] === 'budgetLeftPct' ? 'A percentage from 0 to 100 (empty = the budget now)' : i.message;
      return setErrors(next);
    }
    setErrors({});
    sim.mutate(parsed.data);
  }
  const r: SimulateResult | undefined = sim.data;
  return (
    <div className="st-card st-form" data-testid="simulator">
      <h3>Try a call</h3>
      <p className="st-hint">Which rule would pick the model for a call like this, and why. Nothing is sent to any provider.</p>
      <form className="st-form" onSubmit={submit} noValidate aria-label="Simulate a call">
        <div className="st-fields">
          <div className="st-field">
            <label htmlFor="sim-task">Task</label>
            <select id="sim-task" name="task" defaultValue="review" {...describedBy('sim-task-error', errors.task)}>
              {TASKS.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
            <FieldError id="sim-task-error" text={errors.task} />
          </div>
          <div className="st-field">
            <label htmlFor="sim-persona">Persona (optional)</label>
            <input id="sim-persona" name="persona" maxLength={64} placeholder="reviewer" {...describedBy('sim-persona-error', errors.persona)} />
            <FieldError id="sim-persona-error" text={errors.persona} />
          </div>
          <div className="st-field">
            <label htmlFor="sim-budget">Budget left (%)</label>
            <input id="sim-budget" name="budget" type="number" step="any" placeholder="now" {...describedBy('sim-budget-error', errors.budgetLeftPct)} />
            <FieldError id="sim-budget-error" text={errors.budgetLeftPct} />
          </div>
          <div className="st-field">
            <label htmlFor="sim-at">At (UTC, optional)</label>
            <input id="sim-at" name="at" type="datetime-local" {...describedBy('sim-at-error', errors.at)} />
            <FieldError id="sim-at-error" text={errors.at} />
          </div>
        </div>
        {errors.form && (
          <p className="st-error" role="alert">
            {errors.form}
          </p>
        )}
        <div className="st-actions start">
          <button type="submit" className="primary" disabled={sim.isPending}>
            {sim.isPending ? 'Checking…' : 'Explain the route'}
          </button>
        </div>
      </form>
      {r && (
        <div className="st-form" data-testid="sim-result" aria-live="polite">
          <p className={r.matched ? 'st-note' : 'st-warn'} data-testid="sim-verdict">
            {r.matched ? (
              <>
                Rule {r.matched.position + 1}, <strong>{r.matched.name}</strong>, decides a {r.input.task} call
                {r.input.persona ? ` for ${r.input.persona}` : ''} with {r.input.budgetLeftPct}% of the budget left at {r.input.hourUtc}:00 UTC.
              </>
            ) : (
              <>
                No rule matches{hasRules ? '' : ' (there are none)'}: the call goes to the enabled providers by priority, each with its default model for
                the task.
              </>
            )}
          </p>
          {r.rules.length > 0 && (
            <ol className="st-sim-rules" aria-label="Why each rule did or did not match">
              {r.rules.map((x) => (
                <li key={x.id} className={x.matched ? 'hit' : ''}>
                  <strong>
                    {x.position + 1}. {x.name}
                  </strong>{' '}
                  {x.matched ? '— matches: ' : '— no: '}
                  {x.reasons.join('; ')}
                </li>
              ))}
            </ol>
          )}
          <div>
            <strong>Would try, in order:</strong>
            {r.targets.length === 0 ? (
              <p className="st-warn">
                Nothing: no enabled provider can serve this call. Add or enable one on <Link href="/providers">Providers</Link>.
              </p>
            ) : (
              <ol className="st-chain" aria-label="Targets the call would try">
                {r.targets.map((t, i) => (
                  <li key={`${t.providerId}/${t.model}`}>
                    {i > 0 && <span className="st-muted">→ </span>}
                    <span className={`pill ${t.available ? '' : 'pill-down'}`} title={t.why ?? (t.source === 'rule' ? 'from the rule' : 'a default (by priority)')}>
                      {t.provider} / {t.model}
                      {t.available ? '' : ' (circuit open)'}
                    </span>
                  </li>
                ))}
              </ol>
            )}
          </div>
          {r.unresolved.length > 0 && (
            <ul className="st-sim-rules" aria-label="Targets that could not be used">
              {r.unresolved.map((u, i) => (
                <li key={i}>
                  <span className="st-mono">
                    {u.target.provider}
                    {u.target.model ? ` / ${u.target.model}` : ''}
                  </span>
                  : {u.why}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
