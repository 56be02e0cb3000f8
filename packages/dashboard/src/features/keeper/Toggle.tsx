import './keeper.css';

/**
 * A switch whose label is plain text next to it: only the switch itself toggles (clicking the words does nothing),
 * and the words name the switch for assistive technology.
 */
export function Toggle({ id, checked, onChange, label, disabled, testId }: { id: string; checked: boolean; onChange: (next: boolean) => void; label: string; disabled?: boolean; testId?: string }) {
  return (
    <span className="ktoggle">
      <button type="button" role="switch" aria-checked={checked} aria-labelledby={`${id}-label`} className="switch" onClick={() => onChange(!checked)} disabled={disabled} data-testid={testId}>
        <span className="switch-track" aria-hidden="true">
          <span className="switch-thumb" />
        </span>
      </button>
      <span id={`${id}-label`} className="ktoggle-label">
        {label}
      </span>
    </span>
  );
}
