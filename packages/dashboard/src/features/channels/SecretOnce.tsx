import { useState } from 'react';

/** A signing secret answered once: shown with a copy button and the warning that it will not be shown again. */
export function SecretOnce({ secret, onDone }: { secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <div className="st-form" data-testid="secret-once">
      <p className="st-warn" role="note">
        Copy the signing secret now: it will not be shown again. Receivers verify each delivery with it (Standard Webhooks: <span className="st-mono">webhook-signature</span>).
      </p>
      <label htmlFor="ch-secret-once">Signing secret</label>
      <div className="ch-copy">
        <input id="ch-secret-once" className="st-mono" readOnly value={secret} onFocus={(e) => e.currentTarget.select()} data-testid="secret-value" />
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <span className="st-hint" aria-live="polite">
        {copied === 'yes' ? 'Copied.' : copied === 'failed' ? 'The browser refused to copy: select the text and copy it by hand.' : ''}
      </span>
      <div className="st-actions">
        <button type="button" className="primary" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}
