import { useState, type FormEvent } from 'react';
import type { ChannelKind } from '@autopilot/contracts';
import { describedBy, errorsOf, FieldError, Modal } from '../settings/settings-ui';
import { useChannelActions } from './data';
import { FiltersEditor } from './FiltersEditor';
import { bodyOf, EMPTY_DRAFT, KIND_LABEL, type ChannelDraft } from './logic';
import { SecretOnce } from './SecretOnce';

const KIND_HELP: Record<ChannelKind, string> = {
  slack: 'A Slack incoming webhook (Slack → Apps → Incoming Webhooks). The URL is the credential: it is stored sealed and never shown again.',
  webhook: 'Signed Standard Webhooks deliveries (webhook-id, webhook-timestamp, webhook-signature) to any URL, retried for about 27 hours.',
  email: 'E-mail over SMTP (needs SMTP_URL on the server).',
};

/** Server field errors keyed by the draft's field names (`filters.repos.0` → filters). */
function fieldsOf(err: unknown): { fields: Record<string, string>; message: string } {
  const { fields, message } = errorsOf(err);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) out[k.startsWith('filters') ? 'filters' : k.split('.')[0]!] ??= v;
  return { fields: out, message };
}

/** The add dialog: kind, name, target (URL / secret / recipients), filters; a webhook's secret is shown once after. */
export function AddChannelDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { create } = useChannelActions();
  const [d, setD] = useState<ChannelDraft>(EMPTY_DRAFT);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const close = () => {
    setD(EMPTY_DRAFT);
    setErrors({});
    setMessage(null);
    setSecret(null);
    create.reset();
    onClose();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const r = bodyOf(d);
    if ('errors' in r) return setErrors(r.errors);
    setErrors({});
    setMessage(null);
    create.mutate(r.body, {
      onSuccess: (saved) => (saved.secret ? setSecret(saved.secret) : close()),
      onError: (err) => {
        const f = fieldsOf(err);
        setErrors(f.fields);
        setMessage(f.message);
      },
    });
  };
  const set = (k: keyof ChannelDraft) => (e: { target: { value: string } }) => setD((x) => ({ ...x, [k]: e.target.value }));
  return (
    <Modal open={open} onClose={close} labelledBy="ch-add-title" testId="add-channel-dialog">
      <h2 id="ch-add-title">{secret ? 'Channel added' : 'Add a channel'}</h2>
      {secret ? (
        <SecretOnce secret={secret} onDone={close} />
      ) : (
        <form className="st-form" onSubmit={submit} noValidate>
          <fieldset className="ch-kinds">
            <legend>Kind</legend>
            {(Object.keys(KIND_LABEL) as ChannelKind[]).map((k) => (
              <label key={k}>
                <input type="radio" name="ch-kind" value={k} checked={d.kind === k} onChange={() => setD((x) => ({ ...x, kind: k }))} /> {KIND_LABEL[k]}
              </label>
            ))}
          </fieldset>
          <p className="st-hint">{KIND_HELP[d.kind]}</p>
          <div className="st-field">
            <label htmlFor="ch-name">Name</label>
            <input id="ch-name" value={d.name} onChange={set('name')} maxLength={200} {...describedBy('ch-name-error', errors.name)} />
            <FieldError id="ch-name-error" text={errors.name} />
          </div>
          {d.kind === 'email' ? (
            <div className="st-field">
              <label htmlFor="ch-to">Recipients</label>
              <textarea id="ch-to" rows={2} value={d.to} onChange={set('to')} placeholder="ops@example.com, oncall@example.com" {...describedBy('ch-to-error', errors.to)} />
              <FieldError id="ch-to-error" text={errors.to} />
            </div>
          ) : (
            <div className="st-field">
              <label htmlFor="ch-url">{d.kind === 'slack' ? 'Slack webhook URL' : 'Receiver URL'}</label>
              <input id="ch-url" type="url" inputMode="url" className="st-mono" value={d.url} onChange={set('url')} placeholder={d.kind === 'slack' ? 'https://hooks.slack.com/services/…' : 'https://ops.example.com/hooks/autopilot'} {...describedBy('ch-url-error', errors.url)} />
              <FieldError id="ch-url-error" text={errors.url} />
            </div>
          )}
          {d.kind === 'webhook' && (
            <div className="st-field">
              <label htmlFor="ch-secret">Signing secret (optional)</label>
              <input id="ch-secret" className="st-mono" value={d.secret} onChange={set('secret')} placeholder="Empty: one is generated and shown once" autoComplete="off" {...describedBy('ch-secret-error', errors.secret)} />
              <FieldError id="ch-secret-error" text={errors.secret} />
            </div>
          )}
          <FiltersEditor value={d} onChange={(f) => setD((x) => ({ ...x, ...f }))} error={errors.filters} />
          {message && !Object.keys(errors).length && (
            <p className="st-error" role="alert">
              {message}
            </p>
          )}
          <div className="st-actions">
            <button type="button" onClick={close}>
              Cancel
            </button>
            <button type="submit" className="primary" disabled={create.isPending}>
              {create.isPending ? 'Adding…' : 'Add channel'}
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}
