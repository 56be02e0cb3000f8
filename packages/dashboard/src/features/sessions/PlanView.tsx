import type { Plan } from './activity';

/** The plan's steps, with the Approve button while the session waits for approval; folded once it is not news. */
export function PlanView({ plan, awaiting, approved, canAct, busy, onApprove }: { plan: Plan; awaiting: boolean; approved: boolean; canAct: boolean; busy: boolean; onApprove: () => void }) {
  return (
    <section className="card panel" aria-labelledby="plan-title" data-testid="plan">
      <div className="panel-head">
        <h2 id="plan-title">Plan</h2>
        {approved ? <span className="pill pill-ok">approved</span> : awaiting ? <span className="pill pill-degraded">awaiting approval</span> : null}
        <span className="spacer" />
        {awaiting && canAct && (
          <button type="button" className="primary" onClick={onApprove} disabled={busy}>
            {busy ? 'Approving…' : 'Approve plan'}
          </button>
        )}
      </div>
      <details open={awaiting || !approved}>
        <summary className="muted">
          {plan.steps.length} step{plan.steps.length === 1 ? '' : 's'}
        </summary>
        <ol className="plan-steps">
          {plan.steps.map((s) => (
            <li key={s.id ?? s.index}>
              <strong>{s.title}</strong>
              {s.description && <div className="muted">{s.description}</div>}
            </li>
          ))}
        </ol>
      </details>
    </section>
  );
}
