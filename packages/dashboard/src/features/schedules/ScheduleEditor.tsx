import { useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { Schedule } from '@autopilot/contracts';
import { navigate } from '../../app/router';
import { useApi } from '../../lib/api';
import { useToast } from '../../lib/toasts';
import { describedBy, errorsOf, FieldError } from '../settings/settings-ui';
import { useTemplates } from '../templates/data';
import { scheduleKeys } from './data';
import { checkSchedule, createBody, emptyScheduleForm, formOfSchedule, localZone, updateBody, type ScheduleForm } from './schedule-form';
import { TimingPreview } from './TimingPreview';
import { ZonePicker } from './ZonePicker';

function Field({ name, label, hint, error, children }: { name: string; label: string; hint?: string; error?: string; children: ReactNode }) {
  return (
    <div className="st-field">
      <label htmlFor={`sch-${name}`}>{label}</label>
      {children}
      {hint && <span className="st-hint">{hint}</span>}
      <FieldError id={`sch-${name}-error`} text={error} />
    </div>
  );
}
const aria = (name: string, error?: string) => describedBy(`sch-${name}-error`, error);

/** The server's field errors by form field (`target.templateId` -> templateId, `target.variables.x` -> variables). */
function serverFields(fields: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) out[k.replace(/^target\./, '').split('.')[0]] = v;
  return out;
}

/** Create or edit a schedule: timing (cron or interval) in a zone, the missed-run policy and what it launches. */
export function ScheduleEditor({ saved, onSaved }: { saved?: Schedule; onSaved?: () => void }) {
  const api = useApi();
  const qc = useQueryClient();
  const toast = useToast();
  const templates = useTemplates();
  const [form, setForm] = useState<ScheduleForm>(() => (saved ? formOfSchedule(saved) : emptyScheduleForm(localZone())));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<ScheduleForm>) => setForm((f) => ({ ...f, ...patch }));
  const template = templates.data?.find((t) => t.id === form.templateId);

  async function save() {
    const local = checkSchedule(form);
    setErrors(local);
    setMessage(null);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      const s = saved ? await api.schedules.update(saved.id, updateBody(form, saved)) : await api.schedules.create(createBody(form));
      qc.setQueryData(scheduleKeys.one(s.id), s);
      void qc.invalidateQueries({ queryKey: scheduleKeys.all });
      toast({ level: 'success', title: saved ? `Saved ${s.name}` : `Created ${s.name}`, body: s.description });
      if (saved) onSaved?.();
      else navigate(`/schedules/${encodeURIComponent(s.id)}`, { replace: true });
    } catch (err) {
      const e = errorsOf(err);
      setErrors(serverFields(e.fields));
      setMessage(e.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="sc-editor">
      <form
        className="st-form st-card"
        aria-label={saved ? `Edit ${saved.name}` : 'New schedule'}
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy) void save();
        }}
      >
        <Field name="name" label="Name" error={errors.name}>
          <input id="sch-name" value={form.name} onChange={(e) => set({ name: e.target.value })} maxLength={100} {...aria('name', errors.name)} />
        </Field>
        <fieldset className="tp-fieldset">
          <legend>When</legend>
          <div className="st-checks" role="radiogroup" aria-label="Timing">
            <label>
              <input type="radio" name="sch-timing" checked={form.timing === 'cron'} onChange={() => set({ timing: 'cron' })} /> Cron expression
            </label>
            <label>
              <input type="radio" name="sch-timing" checked={form.timing === 'interval'} onChange={() => set({ timing: 'interval' })} /> Fixed interval
            </label>
          </div>
          {form.timing === 'cron' ? (
            <Field name="cron" label="Cron" hint="minute hour day-of-month month weekday, e.g. 0 7 * * 1 = Mondays 07:00" error={errors.cron}>
              <input id="sch-cron" className="st-mono" value={form.cron} onChange={(e) => set({ cron: e.target.value })} spellCheck={false} autoComplete="off" {...aria('cron', errors.cron)} />
            </Field>
          ) : (
            <div className="sc-interval">
              <Field name="intervalSeconds" label="Every" error={errors.intervalSeconds}>
                <input id="sch-intervalSeconds" inputMode="numeric" value={form.interval} onChange={(e) => set({ interval: e.target.value })} {...aria('intervalSeconds', errors.intervalSeconds)} />
              </Field>
              <div className="st-field">
                <label htmlFor="sch-unit">Unit</label>
                <select id="sch-unit" value={form.unit} onChange={(e) => set({ unit: e.target.value as ScheduleForm['unit'] })}>
                  <option value="minutes">minutes</option>
                  <option value="hours">hours</option>
                  <option value="days">days</option>
                </select>
              </div>
            </div>
          )}
          <ZonePicker value={form.timezone} onChange={(timezone) => set({ timezone })} error={errors.timezone} />
          <Field name="missedRunPolicy" label="After a downtime" error={errors.missedRunPolicy}>
            <select id="sch-missedRunPolicy" value={form.missedRunPolicy} onChange={(e) => set({ missedRunPolicy: e.target.value as ScheduleForm['missedRunPolicy'] })}>
              <option value="skip">Skip missed runs (recorded as skipped)</option>
              <option value="run_once">Run once when back</option>
            </select>
          </Field>
          {!saved && (
            <label className="tp-check">
              <input type="checkbox" checked={form.paused} onChange={(e) => set({ paused: e.target.checked })} /> Start paused
            </label>
          )}
        </fieldset>
        <fieldset className="tp-fieldset">
          <legend>What it launches</legend>
          <div className="st-checks" role="radiogroup" aria-label="Target">
            <label>
              <input type="radio" name="sch-kind" checked={form.kind === 'template'} onChange={() => set({ kind: 'template' })} /> A template
            </label>
            <label>
              <input type="radio" name="sch-kind" checked={form.kind === 'batch'} onChange={() => set({ kind: 'batch' })} /> A batch (the template over repositories)
            </label>
          </div>
          <Field name="templateId" label="Template" error={errors.templateId}>
            <select id="sch-templateId" value={form.templateId} onChange={(e) => set({ templateId: e.target.value, variables: {} })} {...aria('templateId', errors.templateId)}>
              <option value="">{templates.isLoading ? 'Loading…' : 'Choose a template'}</option>
              {templates.data?.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          </Field>
          {template && template.variables.length > 0 && (
            <div className="st-fields">
              {template.variables.map((v) => (
                <Field key={v.name} name={`var-${v.name}`} label={`${v.name}${v.required && v.default === undefined ? ' (required)' : ''}`} hint={v.description}>
                  <input
                    id={`sch-var-${v.name}`}
                    value={form.variables[v.name] ?? ''}
                    onChange={(e) => set({ variables: { ...form.variables, [v.name]: e.target.value } })}
                    placeholder={v.default !== undefined ? `default: ${String(v.default)}` : v.type}
                    spellCheck={false}
                    autoComplete="off"
                  />
                </Field>
              ))}
            </div>
          )}
          {errors.variables && <FieldError id="sch-variables-error" text={errors.variables} />}
          {form.kind === 'batch' && (
            <Field name="sources" label="Repositories" hint="One per line (owner/repo): one session each at every run" error={errors.sources}>
              <textarea id="sch-sources" rows={3} value={form.sources} onChange={(e) => set({ sources: e.target.value })} placeholder={'acme/api\nacme/web'} spellCheck={false} {...aria('sources', errors.sources)} />
            </Field>
          )}
        </fieldset>
        {message && (
          <p className="st-error" role="alert" data-testid="schedule-save-error">
            {message}
          </p>
        )}
        <div className="st-actions">
          {saved && onSaved && (
            <button type="button" onClick={onSaved}>
              Cancel
            </button>
          )}
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Saving…' : saved ? 'Save' : 'Create schedule'}
          </button>
        </div>
      </form>
      <TimingPreview form={form} saved={saved} />
    </div>
  );
}
