import { useRef, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError } from '@autopilot/client';
import { PutBudgetBody, type BudgetStatus, type Me, type UsageReport, type UsageRow } from '@autopilot/contracts';
import { useApi } from '../../lib/api';
import { ErrorNote } from '../../lib/ui';
import { EstimatedTag, estimateNote } from './estimated';
import { FailedCalls } from './FailedCalls';
import { ActorCosts, hasActorUsage } from './ActorCosts';
import './costs.css';

const usd = (v: number | null | undefined, digits = 2) => (v === null || v === undefined ? '—' : `$${v.toFixed(digits)}`);
const costKeys = { budgets: ['costs', 'budgets'] as const, byDay: ['costs', 'usage', 'day'] as const, byModel: ['costs', 'usage', 'provider,model'] as const };

function Window({ title, w }: { title: string; w: BudgetStatus['day'] }) {
  const used = w.limitUsd ? Math.min(100, ((w.spentUsd + w.reservedUsd) / w.limitUsd) * 100) : 0;
  return (
    <div className="card panel budget" data-testid={`budget-${title.toLowerCase()}`}>
      <div className="muted small">
        {title} · {w.window}
      </div>
      <div className="budget-figure">
        {usd(w.spentUsd)} <span className="muted">of {w.limitUsd === null ? 'no limit' : usd(w.limitUsd)}</span>
      </div>
      {w.limitUsd !== null && (
        <div className="meter" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(used)} aria-label={`${title} budget used`}>
          <span style={{ width: `${used}%` }} className={used >= 90 ? 'bad' : used >= 75 ? 'warn' : ''} />
        </div>
      )}
      {w.reservedUsd > 0 && <div className="muted small">{usd(w.reservedUsd, 4)} reserved by calls in flight</div>}
    </div>
  );
}

function BudgetForm({ b, onDone }: { b: BudgetStatus; onDone: () => void }) {
  const api = useApi();
  const qc = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const [mode, setMode] = useState(b.onExhausted);
  const save = useMutation({
    mutationFn: (body: PutBudgetBody) => api.budgets.put(body),
    onSuccess: (s) => {
      qc.setQueryData(costKeys.budgets, s);
      onDone();
    },
    onError: (err: Error) => setError(err instanceof ApiError && err.issues.length > 0 ? err.issues.map((d) => `${d.path}: ${d.message}`).join('; ') : err.message),
  });
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const num = (k: string) => (String(f.get(k) ?? '').trim() === '' ? null : Number(f.get(k)));
    const provider = String(f.get('degradeProvider') ?? '').trim();
    const model = String(f.get('degradeModel') ?? '').trim();
    const parsed = PutBudgetBody.safeParse({
      dailyLimitUsd: num('daily'),
      monthlyLimitUsd: num('monthly'),
      onExhausted: mode,
      degradeTo: mode === 'degrade' && (provider || model) ? { provider, model } : null,
    });
    if (!parsed.success) return setError(parsed.error.issues.map((i) => `${i.path.join('.') || 'budget'}: ${i.message}`).join('; '));
    setError(null);
    save.mutate(parsed.data);
  }
  return (
    <form className="card panel form" onSubmit={submit} aria-label="Budget limits">
      <div className="form-row">
        <div>
          <label htmlFor="b-daily">Daily limit (USD, empty = none)</label>
          <input id="b-daily" name="daily" type="number" min={0} step="0.01" defaultValue={b.dailyLimitUsd ?? ''} />
        </div>
        <div>
          <label htmlFor="b-monthly">Monthly limit (USD, empty = none)</label>
          <input id="b-monthly" name="monthly" type="number" min={0} step="0.01" defaultValue={b.monthlyLimitUsd ?? ''} />
        </div>
      </div>
      <label htmlFor="b-mode">When a limit is reached</label>
      <select id="b-mode" value={mode} onChange={(e) => setMode(e.target.value as typeof mode)}>
        <option value="error">Stop LLM calls (budget_exhausted)</option>
        <option value="degrade">Switch to a cheaper model</option>
      </select>
      {mode === 'degrade' && (
        <div className="form-row">
          <div>
            <label htmlFor="b-prov">Cheaper provider</label>
            <input id="b-prov" name="degradeProvider" defaultValue={b.degradeTo?.provider ?? ''} />
          </div>
          <div>
            <label htmlFor="b-model">Cheaper model</label>
            <input id="b-model" name="degradeModel" defaultValue={b.degradeTo?.model ?? ''} />
          </div>
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="button" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={save.isPending}>
          Save budget
        </button>
      </div>
    </form>
  );
}

function DailyBars({ rows }: { rows: UsageRow[] }) {
  const max = Math.max(...rows.map((r) => r.costUsd), 0.0001);
  return (
    <div className="bars" role="img" aria-label="Cost per day" data-testid="daily-bars">
      {rows.map((r) => (
        <div
          key={r.day}
          className={`bar${r.priceKnown ? '' : ' bar-estimated'}`}
          title={`${r.day}: ${usd(r.costUsd, 4)}${r.priceKnown ? '' : ` (estimated: ${usd(r.estimatedUsd, 4)} at the fallback price)`}, ${r.calls} calls`}
        >
          {r.priceKnown ? (
            <span style={{ height: `${(r.costUsd / max) * 100}%` }} />
          ) : (
            <>
              <span className="bar-part-estimated" style={{ height: `${(r.estimatedUsd / max) * 100}%` }} />
              <span className="bar-part-known" style={{ height: `${((r.costUsd - r.estimatedUsd) / max) * 100}%`, minHeight: 0 }} />
            </>
          )}
        </div>
      ))}
    </div>
  );
}

/** The part of a report's cost that is an estimate, said once under the figures (titles do not show on touch screens). */
function EstimateNote({ report }: { report: UsageReport }) {
  if (report.totals.priceKnown) return null;
  return (
    <p className="costs-estimate-note" data-testid="estimate-note">
      <EstimatedTag report={report} row={report.totals} /> {estimateNote(report, report.totals)} In the chart, the hatched part of a bar is estimated.
    </p>
  );
}

/**
 * Costs: budget windows with limits, the budget form, LLM usage by day (a chart) and by provider/model, costs at
 * the fallback price marked "estimated", and a drill-down from the error count to the failed calls and why.
 */
export function CostsPage() {
  const api = useApi();
  const qc = useQueryClient();
  const me = qc.getQueryData<Me>(['me']);
  const canEdit = me?.key.role === 'owner' || me?.key.role === 'admin';
  const [editing, setEditing] = useState(false);
  const [showFailed, setShowFailed] = useState(false);
  const failedRef = useRef<HTMLDivElement>(null);
  const openFailed = () => {
    setShowFailed(true);
    requestAnimationFrame(() => failedRef.current?.scrollIntoView({ block: 'start', behavior: 'smooth' }));
  };
  const budgets = useQuery({ queryKey: costKeys.budgets, queryFn: ({ signal }) => api.budgets.get(signal), refetchInterval: 30_000 });
  const byDay = useQuery({ queryKey: costKeys.byDay, queryFn: ({ signal }) => api.llm.usage({ groupBy: ['day'] }, signal) });
  const byModel = useQuery({ queryKey: costKeys.byModel, queryFn: ({ signal }) => api.llm.usage({ groupBy: ['provider', 'model'] }, signal) });
  const t = byDay.data?.totals;
  return (
    <section className="costs-page">
      <div className="page-head">
        <h1>Costs</h1>
        <span className="spacer" />
        {canEdit && budgets.data && !editing && (
          <button type="button" onClick={() => setEditing(true)}>
            Edit budget
          </button>
        )}
      </div>
      {budgets.isError ? (
        <ErrorNote error={budgets.error} retry={() => void budgets.refetch()} />
      ) : budgets.data ? (
        <>
          <div className="budget-row">
            <Window title="Today" w={budgets.data.day} />
            <Window title="Month" w={budgets.data.month} />
            <div className="card panel budget">
              <div className="muted small">When reached</div>
              <div className="budget-figure small-figure">
                {budgets.data.onExhausted === 'error' ? 'LLM calls stop' : `Switch to ${budgets.data.degradeTo?.provider}/${budgets.data.degradeTo?.model}`}
              </div>
            </div>
          </div>
          {editing && <BudgetForm b={budgets.data} onDone={() => setEditing(false)} />}
        </>
      ) : (
        <p className="muted">Loading budget…</p>
      )}

      <h2>Usage, last 30 days</h2>
      {byDay.isError && <ErrorNote error={byDay.error} retry={() => void byDay.refetch()} />}
      {t && (
        <dl className="facts" data-testid="usage-totals">
          <div>
            <dt>Cost</dt>
            <dd>
              {usd(t.costUsd, 4)} {!t.priceKnown && byDay.data && <EstimatedTag report={byDay.data} row={t} />}
            </dd>
          </div>
          <div>
            <dt>Calls</dt>
            <dd>{t.calls}</dd>
          </div>
          <div>
            <dt>Errors</dt>
            <dd>
              {t.errors > 0 ? (
                <button type="button" className="costs-errors-link" onClick={() => (showFailed ? setShowFailed(false) : openFailed())} aria-expanded={showFailed} aria-controls="failed-calls" data-testid="errors-drilldown">
                  {t.errors} <span className="costs-errors-hint">{showFailed ? 'hide' : 'see which and why'}</span>
                </button>
              ) : (
                0
              )}
            </dd>
          </div>
          <div>
            <dt>Tokens in / out</dt>
            <dd>
              {t.inputTokens.toLocaleString()} / {t.outputTokens.toLocaleString()}
            </dd>
          </div>
        </dl>
      )}
      {byDay.data && <EstimateNote report={byDay.data} />}
      {byDay.data && byDay.data.rows.length > 0 && <DailyBars rows={byDay.data.rows} />}
      <div ref={failedRef} id="failed-calls">
        {showFailed && <FailedCalls onClose={() => setShowFailed(false)} />}
      </div>
      {hasActorUsage() && (
        <>
          <h2>Who spent what</h2>
          <ActorCosts />
          <h2>By provider and model</h2>
        </>
      )}
      {byModel.data &&
        (byModel.data.rows.length === 0 ? (
          <p className="muted">No LLM calls in this period.</p>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="usage-by-model">
              <thead>
                <tr>
                  <th scope="col">Provider</th>
                  <th scope="col">Model</th>
                  <th scope="col" className="num">Calls</th>
                  <th scope="col" className="num">Errors</th>
                  <th scope="col" className="num">Tokens in</th>
                  <th scope="col" className="num">Tokens out</th>
                  <th scope="col" className="num">Avg latency</th>
                  <th scope="col" className="num">Cost</th>
                </tr>
              </thead>
              <tbody>
                {byModel.data.rows.map((r) => (
                  <tr key={`${r.provider}/${r.model}`}>
                    <th scope="row">{r.provider ?? <span className="muted">no provider</span>}</th>
                    <td className="mono small">{r.model ?? <span className="muted">no model</span>}</td>
                    <td className="num">{r.calls}</td>
                    <td className="num">{r.errors}</td>
                    <td className="num">{r.inputTokens.toLocaleString()}</td>
                    <td className="num">{r.outputTokens.toLocaleString()}</td>
                    <td className="num">{Math.round(r.avgLatencyMs)} ms</td>
                    <td className="num">
                      {usd(r.costUsd, 4)}
                      {!r.priceKnown && (
                        <>
                          {' '}
                          <EstimatedTag report={byModel.data} row={r} />
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </section>
  );
}
