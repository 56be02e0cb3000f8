import { lazy, Suspense, useState, type FormEvent } from 'react';
import { ApiError } from '@autopilot/client';
import { useAuth } from '../lib/api';
import { SignInPage } from '../features/people/SignInPage';
import { matchPath, useLocation } from './router';

const SignUpPage = lazy(() => import('../features/people/SignUpPage').then((m) => ({ default: m.SignUpPage })));
const ForgotPage = lazy(() => import('../features/people/ResetPages').then((m) => ({ default: m.ForgotPage })));
const ResetPage = lazy(() => import('../features/people/ResetPages').then((m) => ({ default: m.ResetPage })));
const InvitePublicPage = lazy(() => import('../features/people/InvitePage').then((m) => ({ default: m.InvitePublicPage })));

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

/**
 * The API-key log-in (machines' keys work in the dashboard too): exchanges the key for a session cookie, keeps no key.
 * The form carries no accessible name of its own: "Sign in with an API key" as its name made "API key" name two
 * elements (the form and the field), and the field is what people and tests look for by that label.
 */
function KeyLogin() {
  const { login } = useAuth();
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
    <form className="pp-form" onSubmit={submit} aria-describedby="login-help">
      <h2 id="key-login-title" style={{ margin: 0, fontSize: '1rem' }}>
        Sign in with an API key
      </h2>
      <p id="login-help" className="pp-hint" style={{ margin: 0 }}>
        The first start of the orchestrator prints the owner key in its start-up banner, and owners and admins can create more keys. Or open the one-click
        log-in link from the banner (<code>autopilot login-link</code> prints a new one).
      </p>
      <label htmlFor="api-key">API key</label>
      <input
        id="api-key"
        name="api-key"
        type="password"
        autoComplete="off"
        value={key}
        onChange={(e) => setKey(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-errormessage={error ? 'login-error' : undefined}
      />
      {error && (
        <p id="login-error" className="error" role="alert" style={{ margin: 0 }}>
          {error}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? 'Checking…' : 'Sign in'}
      </button>
    </form>
  );
}

/**
 * The pages of a browser without a session: sign-up, forgot and reset password, an invitation, and the sign-in
 * page (with the API-key log-in) for every other path, which is shown once signed in.
 */
export function Login() {
  const { logoutReason } = useAuth();
  const { path } = useLocation();
  const invite = matchPath('/invite/:token', path);
  const page = path === '/signup' ? <SignUpPage /> : path === '/forgot' ? <ForgotPage /> : path === '/reset' ? <ResetPage /> : invite ? <InvitePublicPage token={invite.token} /> : null;
  if (page) return <Suspense fallback={<p className="muted center">Loading…</p>}>{page}</Suspense>;
  return <SignInPage keyLogin={<KeyLogin />} notice={logoutReason} />;
}
