import { useState, type FormEvent, type ReactNode } from 'react';
import { useAuth } from '../../lib/api';
import { Link, navigate, useLocation } from '../../app/router';
import { Field, formErrors, type FormErrors } from './fields';
import { people } from './people-api';
import { safeNext, useProviders } from './usePublic';
import './people.css';

/** The card every public page (sign-in, sign-up, reset, invite) sits in. */
export function PublicCard({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <main className="pp-page">
      <section className="card pp-card" aria-labelledby="pp-title" data-testid={testId}>
        <p className="muted" style={{ margin: 0, fontWeight: 700 }}>
          Jules Autopilot
        </p>
        <h1 id="pp-title">{title}</h1>
        {children}
      </section>
    </main>
  );
}

/**
 * Sign-in with e-mail and password (a person's session cookie), the OpenID Connect button when one is configured,
 * and `keyLogin` (the API-key log-in) below as the secondary way in. After signing in, the page asked for is shown
 * (or `?next=`).
 */
export function SignInPage({ keyLogin, notice }: { keyLogin: ReactNode; notice?: string | null }) {
  const { adopt } = useAuth();
  const { path, query } = useLocation();
  const providers = useProviders();
  const [errors, setErrors] = useState<FormErrors>({ fields: {} });
  const [busy, setBusy] = useState(false);
  const next = safeNext(query.get('next'), path === '/signin' || path === '/' ? '/sessions' : path + (query.toString() ? `?${query.toString()}` : ''));

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const email = String(form.get('email') ?? '').trim();
    const password = String(form.get('password') ?? '');
    const fields: Record<string, string> = {};
    if (!email) fields.email = 'Enter your e-mail address.';
    if (!password) fields.password = 'Enter your password.';
    if (Object.keys(fields).length) return setErrors({ fields });
    setBusy(true);
    setErrors({ fields: {} });
    try {
      await people.signIn({ email, password });
      navigate(next, { replace: true });
      adopt();
    } catch (err) {
      const f = formErrors(err, ['email', 'password']);
      setErrors(f.message && /invalid|incorrect|wrong|not match/i.test(f.message) ? { fields: f.fields, message: 'That e-mail and password do not match an account.' } : f);
    } finally {
      setBusy(false);
    }
  }

  const p = providers.data;
  const nextQs = next !== '/sessions' ? `?next=${encodeURIComponent(next)}` : '';
  return (
    <PublicCard title="Sign in" testId="signin">
      {notice && <p className="notice">{notice}</p>}
      {p?.oidc && (
        <>
          <a className="pp-button-link primary" href={`${p.oidc.startUrl || '/auth/oidc/start'}${nextQs}`} data-testid="oidc-start">
            Continue with {p.oidc.name}
          </a>
          <p className="pp-or">or with your e-mail</p>
        </>
      )}
      <form className="pp-form" onSubmit={(e) => void submit(e)} noValidate aria-label="Sign in with e-mail and password">
        <Field id="email" label="E-mail" type="email" autoComplete="username" error={errors.fields.email} />
        <Field id="password" label="Password" type="password" autoComplete="current-password" error={errors.fields.password} />
        {errors.message && (
          <p className="pp-alert" role="alert" data-testid="signin-error">
            {errors.message}
          </p>
        )}
        <button type="submit" className="primary pp-primary-wide" disabled={busy}>
          {busy ? 'Checking…' : 'Continue'}
        </button>
      </form>
      <div className="pp-links">
        <Link href={`/forgot${nextQs}`}>Forgot password?</Link>
        {p?.passwordSignup && <Link href={`/signup${nextQs}`}>Create an account</Link>}
      </div>
      <div className="pp-secondary">{keyLogin}</div>
    </PublicCard>
  );
}
