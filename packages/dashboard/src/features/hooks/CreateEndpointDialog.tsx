import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { HookEndpointSaved, HookPreset } from '@autopilot/contracts';
import { useApi } from '../../lib/api';
import { describedBy, errorsOf, FieldError, Modal } from '../settings/settings-ui';
import { hookKeys } from './data';
import { PRESET_LABELS, PRESET_SIGNING, PRESETS, SECRET_FROM_SENDER } from './presets';

/** Presets whose starter rule launches sessions: the repository they go to (Linear: required; Slack: when /jules names none). */
const STARTER_REPO: Partial<Record<HookPreset, { required: boolean; hint: string }>> = {
  linear: { required: true, hint: 'Issues labelled jules become sessions in this repository (owner/repo); edit the rule later for more.' },
  slack: { required: false, hint: 'Used when /jules names no repository; leave empty to make people name one.' },
};

/** New endpoint: name, preset (how its sender signs), an optional secret. On success the parent shows the secret once. */
export function CreateEndpointDialog({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (s: HookEndpointSaved) => void }) {
  const api = useApi();
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [preset, setPreset] = useState<HookPreset>('standard');
  const [secret, setSecret] = useState('');
  const [repo, setRepo] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  function close() {
    setName('');
    setSecret('');
    setRepo('');
    setErrors({});
    setMessage(null);
    onClose();
  }

  async function create() {
    if (!name.trim()) return setErrors({ name: 'Give the endpoint a name.' });
    setBusy(true);
    setErrors({});
    setMessage(null);
    try {
      const saved = await api.hooks.create({ name: name.trim(), preset, ...(secret.trim() ? { secret: secret.trim() } : {}), ...(STARTER_REPO[preset] && repo.trim() ? { repo: repo.trim() } : {}) });
      // The secret stays in this answer only: the cached endpoint never holds it.
      const { secret: _secret, ...endpoint } = saved;
      qc.setQueryData(hookKeys.one(saved.id), endpoint);
      void qc.invalidateQueries({ queryKey: hookKeys.list });
      close();
      onCreated(saved);
    } catch (err) {
      const e = errorsOf(err);
      setErrors(e.fields);
      setMessage(Object.keys(e.fields).length ? null : e.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal open={open} onClose={close} labelledBy="hk-create-title" testId="hook-create-dialog">
      <form
        className="st-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy) void create();
        }}
      >
        <h2 id="hk-create-title">New webhook endpoint</h2>
        <div className="st-field">
          <label htmlFor="hk-name">Name</label>
          <input id="hk-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} autoComplete="off" {...describedBy('hk-name-error', errors.name)} />
          <FieldError id="hk-name-error" text={errors.name} />
        </div>
        <div className="st-field">
          <label htmlFor="hk-preset">Sender</label>
          <select id="hk-preset" value={preset} onChange={(e) => setPreset(e.target.value as HookPreset)} aria-describedby="hk-preset-hint">
            {PRESETS.map((p) => (
              <option key={p} value={p}>
                {PRESET_LABELS[p]}
              </option>
            ))}
          </select>
          <span className="st-hint" id="hk-preset-hint" data-testid="preset-signing">
            {PRESET_SIGNING[preset]}
          </span>
          <FieldError id="hk-preset-error" text={errors.preset} />
        </div>
        <div className="st-field">
          <label htmlFor="hk-secret">Secret (optional)</label>
          <input id="hk-secret" type="password" value={secret} onChange={(e) => setSecret(e.target.value)} autoComplete="new-password" spellCheck={false} {...describedBy('hk-secret-error', errors.secret)} />
          <span className="st-hint">
            {SECRET_FROM_SENDER[preset] ? `${PRESET_LABELS[preset]} makes the secret: paste it here (or leave empty and rotate to it later).` : 'Leave empty to generate one; it is shown once.'}
          </span>
          <FieldError id="hk-secret-error" text={errors.secret} />
        </div>
        {STARTER_REPO[preset] && (
          <div className="st-field">
            <label htmlFor="hk-repo">{STARTER_REPO[preset].required ? 'Repository' : 'Default repository (optional)'}</label>
            <input id="hk-repo" value={repo} onChange={(e) => setRepo(e.target.value)} placeholder="owner/repo" maxLength={300} autoComplete="off" spellCheck={false} {...describedBy('hk-repo-error', errors.repo)} />
            <span className="st-hint">{STARTER_REPO[preset].hint}</span>
            <FieldError id="hk-repo-error" text={errors.repo} />
          </div>
        )}
        {message && (
          <p className="st-error" role="alert">
            {message}
          </p>
        )}
        <div className="st-actions">
          <button type="button" onClick={close}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create endpoint'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
