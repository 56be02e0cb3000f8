import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { HookEndpoint, HookEndpointSaved, UpdateHookEndpointBody } from '@autopilot/contracts';
import { navigate } from '../../app/router';
import { useApi } from '../../lib/api';
import { ago } from '../../lib/format';
import { useToast } from '../../lib/toasts';
import { Switch } from '../../lib/ui';
import { describedBy, errorsOf, FieldError, Modal } from '../settings/settings-ui';
import { hookKeys, usePowers } from './data';
import { payloadUrl } from './delivery-logic';
import { PRESET_LABELS, PRESET_SIGNING } from './presets';
import { CopyButton, SecretOnce } from './SecretOnce';

/** Settings of one endpoint: URL, name, enabled, mode, reply credentials (write-only), secret rotation, delete. */
export function EndpointSettings({ endpoint: e }: { endpoint: HookEndpoint }) {
  const api = useApi();
  const qc = useQueryClient();
  const toast = useToast();
  const powers = usePowers();
  const [name, setName] = useState(e.name);
  const [apiUrl, setApiUrl] = useState(e.reply.apiUrl ?? '');
  const [token, setToken] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [rotated, setRotated] = useState<HookEndpointSaved | null>(null);
  const [confirmRotate, setConfirmRotate] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [busy, setBusy] = useState(false);

  async function patch(body: UpdateHookEndpointBody, what: string) {
    setBusy(true);
    setErrors({});
    setMessage(null);
    try {
      const saved = await api.hooks.update(e.id, body);
      qc.setQueryData(hookKeys.one(e.id), saved);
      void qc.invalidateQueries({ queryKey: hookKeys.list });
      toast({ level: 'success', title: what });
      setToken('');
    } catch (err) {
      const x = errorsOf(err);
      setErrors(x.fields);
      setMessage(x.message);
    } finally {
      setBusy(false);
    }
  }

  async function rotate() {
    setConfirmRotate(false);
    try {
      const saved = await api.hooks.rotateSecret(e.id, {});
      const { secret: _secret, ...endpoint } = saved;
      qc.setQueryData(hookKeys.one(e.id), endpoint);
      setRotated(saved);
    } catch (err) {
      setMessage(errorsOf(err).message);
    }
  }

  async function remove() {
    try {
      await api.hooks.remove(e.id);
      qc.removeQueries({ queryKey: hookKeys.one(e.id) });
      void qc.invalidateQueries({ queryKey: hookKeys.list });
      toast({ level: 'success', title: `Deleted ${e.name}` });
      navigate('/webhooks', { replace: true });
    } catch (err) {
      setConfirmDelete(false);
      setMessage(errorsOf(err).message);
    }
  }

  const replyBody = (): UpdateHookEndpointBody => ({ reply: { apiUrl: apiUrl.trim() ? apiUrl.trim() : null, ...(token.trim() ? { token: token.trim() } : {}) } });

  return (
    <div className="st-card st-form" data-testid="hook-settings">
      <div className="hk-url">
        <span className="hk-label">Payload URL</span>
        <code className="st-mono" data-testid="hook-detail-url">
          {payloadUrl(e.url, window.location.origin)}
        </code>
        <CopyButton text={payloadUrl(e.url, window.location.origin)} label="Copy URL" />
      </div>
      <p className="st-hint">
        {PRESET_LABELS[e.preset]}: {PRESET_SIGNING[e.preset]} Secret ends …{e.secretLast4}. {e.deliveries} accepted, {e.rejected} rejected{e.lastDeliveryAt ? `, last ${ago(e.lastDeliveryAt)}` : ''}.
      </p>
      {powers.edit ? (
        <>
          <div className="hk-row">
            <div className="st-field hk-grow">
              <label htmlFor="hk-rename">Name</label>
              <input id="hk-rename" value={name} onChange={(x) => setName(x.target.value)} maxLength={200} {...describedBy('hk-rename-error', errors.name)} />
              <FieldError id="hk-rename-error" text={errors.name} />
            </div>
            <button type="button" disabled={busy || name.trim() === e.name || !name.trim()} onClick={() => void patch({ name: name.trim() }, 'Renamed')}>
              Rename
            </button>
          </div>
          <div className="hk-row">
            <Switch checked={e.enabled} label={e.enabled ? 'Enabled' : 'Disabled (deliveries are refused)'} disabled={busy} onChange={(enabled) => void patch({ enabled }, enabled ? 'Enabled' : 'Disabled')} testId="hook-enabled" />
            <div className="st-field">
              <label htmlFor="hk-mode">When several rules match</label>
              <select id="hk-mode" value={e.mode} disabled={busy} onChange={(x) => void patch({ mode: x.target.value as HookEndpoint['mode'] }, 'Mode saved')}>
                <option value="first">Run the first matching rule only</option>
                <option value="all">Run every matching rule, in order</option>
              </select>
            </div>
          </div>
          {(e.preset === 'slack' || e.preset === 'linear') && (
            <fieldset className="tp-fieldset">
              <legend>Reply credentials</legend>
              <p className="st-hint">
                {e.preset === 'slack' ? 'A bot token (chat:write) to answer in the thread when the session has a PR.' : 'A Linear API key to comment the PR link on the issue.'} Write-only:{' '}
                {e.reply.tokenSet ? `set, ending …${e.reply.tokenLast4 ?? ''}` : 'not set'}.
              </p>
              <div className="st-fields">
                <div className="st-field">
                  <label htmlFor="hk-reply-url">API URL (empty = default)</label>
                  <input id="hk-reply-url" value={apiUrl} onChange={(x) => setApiUrl(x.target.value)} spellCheck={false} {...describedBy('hk-reply-url-error', errors['reply.apiUrl'])} />
                  <FieldError id="hk-reply-url-error" text={errors['reply.apiUrl']} />
                </div>
                <div className="st-field">
                  <label htmlFor="hk-reply-token">{e.reply.tokenSet ? 'Replace token' : 'Token'}</label>
                  <input id="hk-reply-token" type="password" value={token} onChange={(x) => setToken(x.target.value)} autoComplete="new-password" {...describedBy('hk-reply-token-error', errors['reply.token'])} />
                  <FieldError id="hk-reply-token-error" text={errors['reply.token']} />
                </div>
              </div>
              <div className="st-actions">
                {e.reply.tokenSet && (
                  <button type="button" disabled={busy} onClick={() => void patch({ reply: { token: null } }, 'Token removed')}>
                    Remove token
                  </button>
                )}
                <button type="button" disabled={busy} onClick={() => void patch(replyBody(), 'Reply credentials saved')}>
                  Save credentials
                </button>
              </div>
            </fieldset>
          )}
          <div className="st-actions start">
            <button type="button" onClick={() => setConfirmRotate(true)}>
              Rotate secret
            </button>
            <button type="button" className="danger" onClick={() => setConfirmDelete(true)}>
              Delete endpoint
            </button>
          </div>
        </>
      ) : (
        <p className="st-muted">
          {e.enabled ? 'Enabled' : 'Disabled'}; {e.mode === 'first' ? 'first matching rule runs' : 'every matching rule runs'}. Only admins change endpoints.
        </p>
      )}
      {message && (
        <p className="st-error" role="alert">
          {message}
        </p>
      )}
      <Modal open={confirmRotate} onClose={() => setConfirmRotate(false)} labelledBy="hk-rotate-title">
        <div className="st-form">
          <h2 id="hk-rotate-title">Rotate the secret?</h2>
          <p>Deliveries signed with the current secret are refused from now on, until the sender has the new one.</p>
          <div className="st-actions">
            <button type="button" onClick={() => setConfirmRotate(false)}>
              Cancel
            </button>
            <button type="button" className="primary" onClick={() => void rotate()}>
              Rotate
            </button>
          </div>
        </div>
      </Modal>
      <Modal open={confirmDelete} onClose={() => setConfirmDelete(false)} labelledBy="hk-delete-title" testId="hook-delete-dialog">
        <div className="st-form">
          <h2 id="hk-delete-title" className="st-wrap">Delete “{e.name}”?</h2>
          <p>Its rules and delivery log are deleted and its URL answers 404 from then on. This cannot be undone.</p>
          <div className="st-actions">
            <button type="button" onClick={() => setConfirmDelete(false)}>
              Cancel
            </button>
            <button type="button" className="danger" onClick={() => void remove()}>
              Delete
            </button>
          </div>
        </div>
      </Modal>
      <SecretOnce saved={rotated} rotated onClose={() => setRotated(null)} />
    </div>
  );
}
