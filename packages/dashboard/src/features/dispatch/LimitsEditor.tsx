import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { JulesPlan, type DispatchAccount, type DispatchAccountList, type UpdateDispatchLimitsBody } from '@autopilot/contracts';
import { useApi } from '../../lib/api';
import { Switch } from '../../lib/ui';
import { describedBy, errorsOf, FieldError } from '../settings/settings-ui';
import { dispatchKeys } from './data';
import { limitsBody, limitsForm, PLAN_LABEL, type LimitsForm } from './quota-logic';

/** An admin's form for one account's limits: plan (or custom numbers), creates in flight, pause. */
export function LimitsEditor({ account }: { account: DispatchAccount }) {
  const api = useApi();
  const qc = useQueryClient();
  const id = account.accountId;
  const [form, setForm] = useState<LimitsForm>(() => limitsForm(account.limits));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ text: string; bad: boolean } | null>(null);
  const [open, setOpen] = useState(false);
  // While the form is closed it follows the server (another admin, another tab); while open, what is typed stays.
  const limitsKey = JSON.stringify(account.limits);
  useEffect(() => {
    if (!open) setForm(limitsForm(account.limits));
  }, [limitsKey, open]);

  const save = useMutation({
    mutationFn: (body: UpdateDispatchLimitsBody) => api.dispatch.updateLimits(id, body),
    onSuccess: (updated) => {
      qc.setQueryData<DispatchAccountList>(dispatchKeys.accounts, (old) => (old ? { ...old, items: old.items.map((x) => (x.accountId === id ? updated : x)) } : old));
      setForm(limitsForm(updated.limits));
      setErrors({});
      setMessage({ text: 'Saved.', bad: false });
    },
    onError: (err) => {
      const e = errorsOf(err);
      setErrors(e.fields);
      setMessage({ text: e.message, bad: true });
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    setMessage(null);
    const r = limitsBody(form, account.limits);
    if (r === null) return setMessage({ text: 'Nothing changed.', bad: false });
    if ('errors' in r) return setErrors(r.errors);
    setErrors({});
    save.mutate(r.body);
  }

  const set = (patch: Partial<LimitsForm>) => setForm((f) => ({ ...f, ...patch }));
  const fid = (f: string) => `limits-${id}-${f}`;
  return (
    <details className="qw-limits" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Plan and limits</summary>
      <form className="st-form" onSubmit={submit} noValidate aria-label={`Dispatch limits of ${account.accountName}`}>
        <div className="st-fields">
          <div className="st-field">
            <label htmlFor={fid('plan')}>Jules plan</label>
            <select id={fid('plan')} value={form.plan} onChange={(e) => set({ plan: JulesPlan.parse(e.target.value) })} {...describedBy(fid('plan-error'), errors.plan)}>
              {JulesPlan.options.map((p) => (
                <option key={p} value={p}>
                  {PLAN_LABEL[p]}
                </option>
              ))}
            </select>
            <FieldError id={fid('plan-error')} text={errors.plan} />
          </div>
          {form.plan === 'custom' && (
            <>
              <div className="st-field">
                <label htmlFor={fid('concurrent')}>Sessions at once</label>
                <input id={fid('concurrent')} inputMode="numeric" value={form.concurrent} onChange={(e) => set({ concurrent: e.target.value })} {...describedBy(fid('concurrent-error'), errors.concurrent)} />
                <FieldError id={fid('concurrent-error')} text={errors.concurrent} />
              </div>
              <div className="st-field">
                <label htmlFor={fid('daily')}>Creates a day</label>
                <input id={fid('daily')} inputMode="numeric" value={form.daily} onChange={(e) => set({ daily: e.target.value })} {...describedBy(fid('daily-error'), errors.daily)} />
                <FieldError id={fid('daily-error')} text={errors.daily} />
              </div>
            </>
          )}
          <div className="st-field">
            <label htmlFor={fid('inFlight')}>Creates sent at once</label>
            <input id={fid('inFlight')} inputMode="numeric" value={form.inFlight} onChange={(e) => set({ inFlight: e.target.value })} {...describedBy(fid('inFlight-error'), errors.inFlight)} />
            <span className="st-hint">Jules fails parallel creates under load; 3 is safe.</span>
            <FieldError id={fid('inFlight-error')} text={errors.inFlight} />
          </div>
        </div>
        <Switch checked={form.paused} onChange={(paused) => set({ paused })} label={form.paused ? 'Dispatch paused: queued work waits' : 'Dispatch running'} testId={`pause-${id}`} />
        <FieldError id={fid('paused-error')} text={errors.paused} />
        <div className="st-actions">
          {message && (
            <span className={message.bad ? 'st-field-error' : 'st-hint'} role={message.bad ? 'alert' : 'status'}>
              {message.text}
            </span>
          )}
          <button type="submit" className="primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : 'Save limits'}
          </button>
        </div>
      </form>
    </details>
  );
}
