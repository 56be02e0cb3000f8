import { useState, type FormEvent } from 'react';
import { useAuth } from '../../lib/api';
import { Link, navigate, useLocation } from '../../app/router';
import { Field, formErrors, NewPassword, type FormErrors } from './fields';
import { people } from './people-api';
import { PublicCard } from './SignInPage';
import { safeNext, useInvitePreview, useProviders } from './usePublic';

/**
 * Create an account: name, e-mail, password (with a strength hint and the policy). With `?invite=<token>` the
 * invitation's workspace and role are shown and its e-mail pre-filled; the server accepts it with the sign-up.
 */
export function SignUpPage() {
  const { adopt } = useAuth();
  const { query } = useLocation();
  const token = query.get('invite');
  const invite = useInvitePreview(token);
  const providers = useProviders();
  const [errors, setErrors] = useState<FormErrors>({ fields: {} });
  const [email, setEmail] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const inv = invite.data;
  const shownEmail = email ?? inv?.email ?? '';
  const next = safeNext(query.get('next'));

  // The first account becomes owner of the default workspace: it is created with an owner key of it.
  const needsOwnerKey = !token && !!providers.data?.ownerKeyRequired;

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const body = { name: String(form.get('name') ?? '').trim(), email: String(form.get('email') ?? '').trim(), password: String(form.get('password') ?? '') };
    const fields: Record<string, string> = {};
    if (!body.name) fields.name = 'Enter your name.';
    if (needsOwnerKey && !String(form.get('ownerKey') ?? '').trim()) fields.ownerKey = 'Enter the owner key from the start-up banner.';
    if (!body.email) fields.email = 'Enter your e-mail address.';
    if (body.password.length < 10) fields.password = 'Use at least 10 characters.';
    else if (body.password.toLowerCase() === body.email.toLowerCase()) fields.password = 'Your password cannot be your e-mail address.';
    if (Object.keys(fields).length) return setErrors({ fields });
    setBusy(true);
    setErrors({ fields: {} });
    try {
      const ownerKey = needsOwnerKey ? String(form.get('ownerKey') ?? '').trim() : '';
      await people.signUp(token ? { ...body, inviteToken: token } : ownerKey ? { ...body, ownerKey } : body);
      navigate(next, { replace: true });
      adopt();
    } catch (err) {
      setErrors(formErrors(err, ['name', 'email', 'password', 'inviteToken', 'ownerKey']));
    } finally {
      setBusy(false);
    }
  }

  const closed = !token && providers.data && !providers.data.passwordSignup;
  return (
    <PublicCard title="Create an account" testId="signup">
      {token && invite.isPending && <p className="muted">Loading the invitation…</p>}
      {token && invite.isError && (
        <p className="pp-alert" role="alert">
          This invitation link is not valid. Ask for a new one.
        </p>
      )}
      {inv && (
        <p className="pp-note" data-testid="signup-invite">
          {inv.invitedBy ?? 'Someone'} invited you to <strong>{inv.workspace.name}</strong> as <strong>{inv.role}</strong>.
          {inv.state !== 'pending' && ` This invitation is ${inv.state}.`}
        </p>
      )}
      {closed ? (
        <p className="pp-note">Sign-up on this server needs an invitation: ask an owner or admin of a workspace for an invitation link.</p>
      ) : (
        <form className="pp-form" onSubmit={(e) => void submit(e)} noValidate aria-label="Create an account">
          <Field id="name" label="Name" autoComplete="name" maxLength={100} error={errors.fields.name} autoFocus />
          <Field
            id="email"
            label="E-mail"
            type="email"
            autoComplete="email"
            maxLength={320}
            value={shownEmail}
            onChange={(e) => setEmail(e.target.value)}
            error={errors.fields.email}
            hint={inv ? 'The invitation is for this address.' : undefined}
          />
          <NewPassword id="password" label="Password" email={shownEmail} error={errors.fields.password} />
          {needsOwnerKey && (
            <Field
              id="ownerKey"
              label="Owner key"
              type="password"
              autoComplete="off"
              maxLength={512}
              error={errors.fields.ownerKey}
              hint="You are the first person here, so your account becomes the owner of the default workspace: paste the owner key the orchestrator printed in its start-up banner."
            />
          )}
          {errors.fields.inviteToken && (
            <p className="pp-alert" role="alert">
              {errors.fields.inviteToken}
            </p>
          )}
          {errors.message && (
            <p className="pp-alert" role="alert" data-testid="signup-error">
              {errors.message}
            </p>
          )}
          <button type="submit" className="primary pp-primary-wide" disabled={busy}>
            {busy ? 'Creating…' : inv ? `Create account and join ${inv.workspace.name}` : 'Create account'}
          </button>
        </form>
      )}
      <div className="pp-links">
        <span>
          Have an account? <Link href={token ? `/invite/${encodeURIComponent(token)}` : '/'}>Sign in</Link>
        </span>
      </div>
    </PublicCard>
  );
}
