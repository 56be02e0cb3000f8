import { useState } from 'react';
import type { HookEndpoint, HookRulesTestResult } from '@autopilot/contracts';
import { useApi } from '../../lib/api';
import { errorFields, useDeliveries } from './data';
import { OP_LABELS, parsePayload, rulesOfDrafts, type RuleDraft } from './rules-logic';

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? 'undefined');

/** One rule's outcome: matched / would run, each condition with what its path selected, variables, the action in words. */
function RuleOutcome({ r }: { r: HookRulesTestResult['rules'][number] }) {
  return (
    <li className={r.wouldRun ? 'hk-outcome hit' : 'hk-outcome'} data-testid="test-rule" data-matched={r.matched}>
      <div className="st-item-head">
        <strong>{r.ruleName}</strong>
        <span className={r.matched ? 'pill pill-ok' : 'pill'}>{r.matched ? 'matched' : 'no match'}</span>
        {r.matched && <span className={r.wouldRun ? 'pill pill-ok' : 'pill pill-degraded'}>{r.wouldRun ? 'would run' : 'not reached (first match ran)'}</span>}
      </div>
      <ul className="hk-conds">
        {r.conditions.map((c, i) => (
          <li key={i} className={c.held ? 'held' : 'failed'}>
            <span aria-label={c.held ? 'held' : 'did not hold'}>{c.held ? '✓' : '✗'}</span> <code className="st-mono">{c.path}</code> {OP_LABELS[c.op]}
            <span className="st-hint"> selected {c.values.length ? c.values.map(show).join(', ') : 'nothing'}</span>
            {c.error && <span className="st-field-error"> {c.error}</span>}
          </li>
        ))}
      </ul>
      {Object.keys(r.variables).length > 0 && (
        <dl className="tp-rendered" data-testid="test-variables">
          {Object.entries(r.variables).map(([k, v]) => (
            <div key={k} className="hk-var">
              <dt>{`{{${k}}}`}</dt>
              <dd>{v === null ? <span className="st-muted">nothing selected</span> : v}</dd>
            </div>
          ))}
        </dl>
      )}
      <p className="hk-action" data-testid="test-action">
        {r.action}
      </p>
    </li>
  );
}

/**
 * Runs the DRAFT rules (unsaved edits included) against a pasted payload or a stored delivery: POST …/test, which
 * evaluates and describes but never acts.
 */
export function TestPane({ endpoint, drafts, dirty, onIssues }: { endpoint: HookEndpoint; drafts: RuleDraft[]; dirty: boolean; onIssues: (fields: Record<string, string>) => void }) {
  const api = useApi();
  const stored = useDeliveries(endpoint.id, '');
  const [source, setSource] = useState<'paste' | 'stored'>('paste');
  const [text, setText] = useState('');
  const [deliveryId, setDeliveryId] = useState('');
  const [result, setResult] = useState<HookRulesTestResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const deliveries = stored.data?.pages.flatMap((p) => p.items) ?? [];

  async function runTest() {
    setError(null);
    setResult(null);
    let body;
    if (source === 'paste') {
      const p = parsePayload(text);
      if (!p.ok) return setError(p.error);
      body = { payload: p.value };
    } else {
      if (!deliveryId) return setError('Pick a stored delivery.');
      body = { deliveryId };
    }
    setBusy(true);
    try {
      const r = await api.hooks.test(endpoint.id, { ...body, rules: rulesOfDrafts(drafts), mode: endpoint.mode });
      setResult(r);
      onIssues({});
    } catch (err) {
      const e = errorFields(err);
      onIssues(e.fields);
      setError(Object.keys(e.fields).length ? `${e.message} (the rules editor marks the fields)` : e.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="st-card st-form hk-test" aria-labelledby="hk-test-title" data-testid="hook-test-pane">
      <h2 id="hk-test-title">Test the rules</h2>
      <p className="st-hint">Runs the rules as they are in the editor{dirty ? ' (unsaved changes included)' : ''} against a payload. Nothing acts: no session, batch, message or notification is made.</p>
      <div className="st-checks" role="radiogroup" aria-label="Payload source">
        <label>
          <input type="radio" name="hk-test-source" checked={source === 'paste'} onChange={() => setSource('paste')} /> Paste a payload
        </label>
        <label>
          <input type="radio" name="hk-test-source" checked={source === 'stored'} onChange={() => setSource('stored')} /> A stored delivery
        </label>
      </div>
      {source === 'paste' ? (
        <div className="st-field">
          <label htmlFor="hk-test-payload">Payload (JSON)</label>
          <textarea id="hk-test-payload" className="st-mono" rows={8} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} placeholder={'{"type": "Issue", "data": {"title": "Fix login"}}'} />
          <span className="st-hint">The body as the sender posts it: paths start at $.body.</span>
        </div>
      ) : (
        <div className="st-field">
          <label htmlFor="hk-test-delivery">Delivery</label>
          <select id="hk-test-delivery" value={deliveryId} onChange={(e) => setDeliveryId(e.target.value)}>
            <option value="">{stored.isLoading ? 'Loading…' : deliveries.length ? 'Choose a delivery' : 'No delivery yet'}</option>
            {deliveries.map((d) => (
              <option key={d.id} value={d.id}>
                {`${d.receivedAt.slice(0, 19).replace('T', ' ')} ${d.event ?? ''} (${d.status})`}
              </option>
            ))}
          </select>
        </div>
      )}
      <div className="st-actions">
        <button type="button" className="primary" disabled={busy} onClick={() => void runTest()}>
          {busy ? 'Testing…' : 'Run test'}
        </button>
      </div>
      {error && (
        <p className="st-error" role="alert" data-testid="test-error">
          {error}
        </p>
      )}
      {result && (
        <div className="st-form" aria-live="polite" data-testid="test-result">
          <p className="st-note">
            {result.matched === 0 ? 'No rule matched.' : `${result.matched} rule${result.matched === 1 ? '' : 's'} matched.`} This was a test: nothing acted.
          </p>
          <ol className="hk-outcomes">
            {result.rules.map((r) => (
              <RuleOutcome key={r.ruleId} r={r} />
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}
