import type { ReactNode } from 'react';
import { describedBy, FieldError } from '../settings/settings-ui';
import { useJulesSources } from '../sessions/data';
import { shortName } from '../sessions/source-picker';
import type { TemplateForm } from './template-form';

/* The template's own fields (everything but the variables). Ids are `tpl-<name>`, errors `tpl-<name>-error`. */

interface Props {
  form: TemplateForm;
  set: (patch: Partial<TemplateForm>) => void;
  error: (name: string) => string | undefined;
  disabled: boolean;
  /** The prompt is blank: the preview says so, the field is only marked. */
  promptBlocked: boolean;
}

function Field({ name, label, hint, error, children }: { name: string; label: string; hint?: string; error?: string; children: ReactNode }) {
  return (
    <div className="st-field">
      <label htmlFor={`tpl-${name}`}>{label}</label>
      {children}
      {hint && <span className="st-hint">{hint}</span>}
      <FieldError id={`tpl-${name}-error`} text={error} />
    </div>
  );
}

const aria = (name: string, error?: string) => describedBy(`tpl-${name}-error`, error);

export function TemplateFields({ form, set, error, disabled, promptBlocked }: Props) {
  // The repositories Jules lists, offered as suggestions (typing any owner/repo stays possible).
  const sources = useJulesSources({ enabled: !disabled });
  const e = (n: string) => error(n);
  return (
    <>
      <div className="st-fields">
        <Field name="name" label="Name" error={e('name')}>
          <input id="tpl-name" value={form.name} onChange={(x) => set({ name: x.target.value })} maxLength={100} required disabled={disabled} {...aria('name', e('name'))} />
        </Field>
        <Field name="tags" label="Tags" hint="Separated by commas or spaces" error={e('tags')}>
          <input id="tpl-tags" value={form.tags} onChange={(x) => set({ tags: x.target.value })} placeholder="bugs, deps" spellCheck={false} disabled={disabled} {...aria('tags', e('tags'))} />
        </Field>
      </div>
      <Field name="description" label="Description" error={e('description')}>
        <input id="tpl-description" value={form.description} onChange={(x) => set({ description: x.target.value })} maxLength={2000} disabled={disabled} {...aria('description', e('description'))} />
      </Field>
      <Field name="prompt" label="Prompt" hint="What Jules should do; {{variables}} are filled at launch" error={e('prompt')}>
        <textarea
          id="tpl-prompt"
          rows={6}
          value={form.prompt}
          onChange={(x) => set({ prompt: x.target.value })}
          placeholder="Fix issue #{{issue}} in {{repo}}. Keep the change small and add a test."
          disabled={disabled}
          {...(promptBlocked && !e('prompt') ? {} : aria('prompt', e('prompt')))}
        />
      </Field>
      <div className="st-fields">
        <Field name="title" label="Title pattern (optional)" hint="Empty: Jules titles the session" error={e('title')}>
          <input id="tpl-title" value={form.title} onChange={(x) => set({ title: x.target.value })} placeholder="Fix #{{issue}}" disabled={disabled} {...aria('title', e('title'))} />
        </Field>
        <Field name="branch" label="Starting branch (optional)" hint="Empty: the repository's default branch" error={e('branch')}>
          <input id="tpl-branch" value={form.branch} onChange={(x) => set({ branch: x.target.value })} spellCheck={false} disabled={disabled} {...aria('branch', e('branch'))} />
        </Field>
      </div>
      <Field name="sources" label="Repositories" hint="One per line (owner/repo): a launch starts one session each. Empty: the repo variable, or a repoless session" error={e('sources')}>
        <textarea id="tpl-sources" rows={3} value={form.sources} onChange={(x) => set({ sources: x.target.value })} placeholder={'acme/api\nacme/web'} spellCheck={false} disabled={disabled} {...aria('sources', e('sources'))} />
      </Field>
      {sources.data && sources.data.items.length > 0 && !disabled && (
        <div className="tp-suggest" aria-label="Repositories Jules lists">
          {sources.data.items.slice(0, 8).map((s) => {
            const n = shortName(s);
            const has = form.sources.split(/[\s,]+/).includes(n);
            return (
              <button key={s.name + s.accountId} type="button" className="tp-chip" disabled={has} onClick={() => set({ sources: form.sources.trim() ? `${form.sources.trim()}\n${n}` : n })}>
                + {n}
              </button>
            );
          })}
        </div>
      )}
      <fieldset className="tp-fieldset">
        <legend>Sessions</legend>
        <div className="st-fields">
          <label className="tp-check">
            <input type="checkbox" checked={form.requirePlanApproval} onChange={(x) => set({ requirePlanApproval: x.target.checked })} disabled={disabled} />
            Require plan approval
          </label>
          <div className="st-field">
            <label htmlFor="tpl-automation">When done</label>
            <select id="tpl-automation" value={form.automationMode} onChange={(x) => set({ automationMode: x.target.value as TemplateForm['automationMode'] })} disabled={disabled}>
              <option value="AUTO_CREATE_PR">Open a pull request</option>
              <option value="NONE">No pull request</option>
            </select>
          </div>
        </div>
      </fieldset>
      <fieldset className="tp-fieldset">
        <legend>Keeper</legend>
        <div className="st-fields">
          <label className="tp-check">
            <input type="checkbox" checked={form.keeperPaused} onChange={(x) => set({ keeperPaused: x.target.checked })} disabled={disabled} />
            Keeper paused for these sessions
          </label>
          <Field name="holdWords" label="Hold words" hint="Added to the workspace's: a plan mentioning one waits for a person" error={e('keeper')}>
            <input id="tpl-holdWords" value={form.holdWords} onChange={(x) => set({ holdWords: x.target.value })} placeholder="migration, drop table" disabled={disabled} {...aria('holdWords', e('keeper'))} />
          </Field>
        </div>
      </fieldset>
    </>
  );
}
