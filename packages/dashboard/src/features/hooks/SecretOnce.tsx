import { useState } from 'react';
import type { HookEndpointSaved } from '@autopilot/contracts';
import { Modal } from '../settings/settings-ui';
import { payloadUrl } from './delivery-logic';
import { PRESET_LABELS, setupSteps } from './presets';

/** A copy button that says whether the clipboard took the text (it can refuse: then the text stays selectable). */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<'yes' | 'no' | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState('yes');
    } catch {
      setState('no');
    }
  }
  return (
    <>
      <button type="button" onClick={() => void copy()}>
        {label}
      </button>
      <span className="st-hint" aria-live="polite">
        {state === 'yes' ? 'Copied.' : state === 'no' ? 'The browser refused the clipboard: select the text and copy it by hand.' : ''}
      </span>
    </>
  );
}

/** The endpoint's URL and its secret, shown once after a create or a rotation, with the sender's setup steps. */
export function SecretOnce({ saved, onClose, rotated }: { saved: HookEndpointSaved | null; onClose: () => void; rotated?: boolean }) {
  return (
    <Modal open={saved !== null} onClose={onClose} labelledBy="hk-secret-title" testId="hook-secret-dialog">
      {saved && (
        <div className="st-form">
          <h2 id="hk-secret-title" className="st-wrap">
            {rotated ? `New secret for “${saved.name}”` : `Endpoint “${saved.name}” created`}
          </h2>
          <div className="st-field">
            <span className="hk-label">Payload URL</span>
            <code className="st-secret" data-testid="hook-url">
              {payloadUrl(saved.url, window.location.origin)}
            </code>
            <div className="st-actions start">
              <CopyButton text={payloadUrl(saved.url, window.location.origin)} label="Copy URL" />
            </div>
          </div>
          {saved.secret ? (
            <div className="st-field">
              <span className="hk-label">Secret</span>
              <p className="st-warn" role="note">
                <strong>This is the only time the secret is shown: it will not be shown again.</strong> Copy it now into {PRESET_LABELS[saved.preset]}; if it is lost, rotate it.
              </p>
              <code className="st-secret" data-testid="hook-secret" aria-label="The endpoint secret">
                {saved.secret}
              </code>
              <div className="st-actions start">
                <CopyButton text={saved.secret} label="Copy secret" />
              </div>
            </div>
          ) : (
            <p className="st-note">The secret you gave is stored sealed (ending …{saved.secretLast4}); it is not shown back.</p>
          )}
          <div>
            <h3>Set up {PRESET_LABELS[saved.preset]}</h3>
            <ol className="hk-steps" data-testid="hook-setup-steps">
              {setupSteps(saved.preset).map((s) => (
                <li key={s}>{s}</li>
              ))}
            </ol>
          </div>
          <div className="st-actions">
            <button type="button" className="primary" onClick={onClose}>
              I have stored it
            </button>
          </div>
        </div>
      )}
    </Modal>
  );
}
