import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { HookEndpoint } from '@autopilot/contracts';
import { useApi } from '../../lib/api';
import { useToast } from '../../lib/toasts';
import { errorFields, hookKeys, usePowers } from './data';
import { RuleCard } from './RuleCard';
import { draftOfRule, emptyRule, move, rulesOfDrafts, type RuleDraft } from './rules-logic';
import { TestPane } from './TestPane';

/** The rules editor (draft, saved with PATCH rules) beside the test pane, which runs the draft without acting. */
export function RulesWorkbench({ endpoint }: { endpoint: HookEndpoint }) {
  const api = useApi();
  const qc = useQueryClient();
  const toast = useToast();
  const powers = usePowers();
  const [drafts, setDrafts] = useState<RuleDraft[]>(() => endpoint.rules.map(draftOfRule));
  const [dirty, setDirty] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const readOnly = !powers.edit;

  const update = (next: RuleDraft[]) => {
    setDrafts(next);
    setDirty(true);
  };

  async function save() {
    setBusy(true);
    setErrors({});
    setMessage(null);
    try {
      const saved = await api.hooks.update(endpoint.id, { rules: rulesOfDrafts(drafts) });
      toast({ level: 'success', title: `Saved ${saved.rules.length} rule${saved.rules.length === 1 ? '' : 's'}` });
      qc.setQueryData(hookKeys.one(endpoint.id), saved);
      void qc.invalidateQueries({ queryKey: hookKeys.list });
      setDirty(false);
    } catch (err) {
      const e = errorFields(err);
      setErrors(e.fields);
      setMessage(Object.keys(e.fields).length ? `${e.message} (see the fields marked below)` : e.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="hk-workbench">
      <section className="st-card st-form hk-editor" aria-labelledby="hk-rules-title">
        <div className="st-item-head">
          <h2 id="hk-rules-title">Rules</h2>
          <span className="st-hint">{endpoint.mode === 'first' ? 'In order; the first match runs.' : 'In order; every match runs.'}</span>
        </div>
        {drafts.length === 0 && <p className="st-note">No rule: deliveries are logged and nothing runs.</p>}
        <ol className="st-list hk-rules" aria-label="Rules">
          {drafts.map((d, i) => (
            <RuleCard
              key={d.key}
              draft={d}
              index={i}
              count={drafts.length}
              errors={errors}
              readOnly={readOnly}
              onChange={(patch) => update(drafts.map((x) => (x.key === d.key ? { ...x, ...patch } : x)))}
              onMove={(dir) => update(move(drafts, i, dir))}
              onRemove={() => update(drafts.filter((x) => x.key !== d.key))}
            />
          ))}
        </ol>
        {message && (
          <p className="st-error" role="alert" data-testid="rules-error">
            {message}
          </p>
        )}
        {!readOnly && (
          <div className="st-actions">
            <button type="button" onClick={() => update([...drafts, emptyRule(drafts.length + 1)])}>
              Add rule
            </button>
            {dirty && (
              <button
                type="button"
                onClick={() => {
                  setDrafts(endpoint.rules.map(draftOfRule));
                  setDirty(false);
                  setErrors({});
                  setMessage(null);
                }}
              >
                Discard changes
              </button>
            )}
            <button type="button" className="primary" disabled={busy || !dirty} onClick={() => void save()}>
              {busy ? 'Saving…' : 'Save rules'}
            </button>
          </div>
        )}
        {readOnly && <p className="st-muted">Only admins edit rules{powers.act ? '; you can test them on the right.' : '.'}</p>}
      </section>
      {powers.act && <TestPane endpoint={endpoint} drafts={drafts} dirty={dirty} onIssues={setErrors} />}
    </div>
  );
}
