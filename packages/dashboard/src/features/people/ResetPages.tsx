import { useState, type FormEvent } from 'react';
import { Link, navigate, useLocation } from '../../app/router';
import { Field, formErrors, NewPassword, type FormErrors } from './fields';
import { people } from './people-api';
import { PublicCard } from './SignInPage';

/** Forgot password: asks for the e-mail; the answer is the same whether an account exists or not. */
export function ForgotPage() {
  const [errors, setErrors] = useState<FormErrors>({ fields: {} });
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const email = String(new FormData(e.currentTarget).get('email') ?? '').trim();
    if (!email) return setErrors({ fields: { email: 'Enter your e-mail address.' } });
    setBusy(true);
    setErrors({ fields: {} });
    try {
      await people.requestReset(email);
      setSent(true);
    } catch (err) {
      setErrors(formErrors(err, ['email']));
    } finally {
      setBusy(false);
    }
  }
  return (
    <PublicCard title="Reset your password" testId="forgot">
      {sent ? (
        <p className="pp-ok" role="status" data-testid="reset-sent">
          If an account uses that address, a link to choose a new password is on its way (it works once, for 30 minutes). No e-mail set up on this server?
          Ask its operator for the link.
        </p>
      ) : (
        <form className="pp-form" onSubmit={(e) => void submit(e)} noValidate aria-label="Ask for a password reset link">
          <Field id="email" label="E-mail" type="email" autoComplete="email" error={errors.fields.email} autoFocus />
          {errors.message && (
            <p className="pp-alert" role="alert">
              {errors.message}
            </p>
          )}
          <button type="submit" className="primary pp-primary-wide" disabled={busy}>
            {busy ? 'Sending…' : 'Send the reset link'}
          </button>
        </form>
      )}
      <div className="pp-links">
        <Link href="/">Back to sign-in</Link>
      </div>
    </PublicCard>
  );
}

/** `/reset?token=`: choose a new password (every session of the account ends; sign in again after). */
export function ResetPage() {
  const { query } = useLocation();
  const token = query.get('token') ?? '';
  const [errors, setErrors] = useState<FormErrors>({ fields: {} });
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const password = String(form.get('password') ?? '');
    const again = String(form.get('again') ?? '');
    if (password.length < 10) return setErrors({ fields: { password: 'Use at least 10 characters.' } });
    if (password !== again) return setErrors({ fields: { again: 'The two passwords differ.' } });
    setBusy(true);
    setErrors({ fields: {} });
    try {
      await people.confirmReset(token, password);
      setDone(true);
    } catch (err) {
      const f = formErrors(err, ['password', 'token']);
      setErrors(f.fields.token ? { fields: f.fields, message: 'This reset link is not valid any more (used or expired). Ask for a new one.' } : f);
    } finally {
      setBusy(false);
    }
  }
  if (!token)
    return (
      <PublicCard title="Choose a new password">
        <p className="pp-alert" role="alert">
          This page needs the link from the reset e-mail. <Link href="/forgot">Ask for a new link</Link>.
        </p>
      </PublicCard>
    );
  return (
    <PublicCard title="Choose a new password" testId="reset">
      {done ? (
        <>
          <p className="pp-ok" role="status" data-testid="reset-done">
            Your password is changed, and every session of your account has ended. Sign in with the new password.
          </p>
          <button type="button" className="primary" onClick={() => navigate('/', { replace: true })}>
            Sign in
          </button>
        </>
      ) : (
        <form className="pp-form" onSubmit={(e) => void submit(e)} noValidate aria-label="Choose a new password">
          <NewPassword id="password" label="New password" error={errors.fields.password} />
          <Field id="again" label="New password again" type="password" autoComplete="new-password" error={errors.fields.again} />
          {errors.message && (
            <p className="pp-alert" role="alert">
              {errors.message} {errors.fields.token && <Link href="/forgot">Ask for a new link</Link>}
            </p>
          )}
          <button type="submit" className="primary pp-primary-wide" disabled={busy}>
            {busy ? 'Saving…' : 'Set the new password'}
          </button>
        </form>
      )}
    </PublicCard>
  );
}
