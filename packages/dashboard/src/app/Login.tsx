import { useState, type FormEvent } from 'react';
import { ApiError } from '@autopilot/client';
import { useAuth } from '../lib/api';

/** Why a key was refused, in words a user can act on. */
function explain(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 401) return `That key was not accepted (${err.message}). Check it and try again.`;
    if (err.status === 429) return 'Too many failed attempts from this address. Wait a minute, then try again.';
    if (err.code === 'network_error') return 'Cannot reach the orchestrator. Is it running?';
    return `The server answered: ${err.message}`;
  }
  return 'Something went wrong while checking the key.';
}

/** Asks for a workspace API key once and exchanges it for a session cookie (the page keeps no key). */
export function Login() {
  const { login, logoutReason } = useAuth();
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const k = key.trim();
    if (!k) return setError('Enter an API key.');
    setBusy(true);
    setError(null);
    try {
      await login(k);
      setKey('');
    } catch (err) {
      setError(explain(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="login">
      <form className="card login-card" onSubmit={submit} aria-describedby="login-help">
        <h1>Jules Autopilot</h1>
        <p id="login-help" className="muted">
          Sign in with a workspace API key: the first start of the orchestrator prints the owner key in its start-up banner, and owners and admins can create more keys. Or open the one-click log-in link from the banner (<code>autopilot login-link</code> prints a new one).
        </p>
        {logoutReason && <p className="notice">{logoutReason}</p>}
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="current-password"
          autoFocus
          value={key}
          onChange={(e) => setKey(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-errormessage={error ? 'login-error' : undefined}
        />
        {error && (
          <p id="login-error" className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
