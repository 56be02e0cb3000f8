import { useState } from 'react';
import type { InvitePreview } from '@autopilot/contracts';
import { useAuth } from '../../lib/api';
import { Link, navigate } from '../../app/router';
import { formErrors } from './fields';
import { people } from './people-api';
import { PublicCard } from './SignInPage';
import { useInvitePreview } from './usePublic';
import './people.css';

const STATE_TEXT: Record<InvitePreview['state'], string> = {
  pending: '',
  accepted: 'This invitation has already been used.',
  expired: 'This invitation has expired: ask for a new one.',
  revoked: 'This invitation was withdrawn: ask for a new one.',
};

function Facts({ inv }: { inv: InvitePreview }) {
  return (
    <dl className="pp-facts" data-testid="invite-facts">
      <dt>Workspace</dt>
      <dd data-testid="invite-workspace">{inv.workspace.name}</dd>
      <dt>Invited by</dt>
      <dd>{inv.invitedBy ?? '—'}</dd>
      <dt>Role</dt>
      <dd data-testid="invite-role">{inv.role}</dd>
      <dt>For</dt>
      <dd>{inv.email}</dd>
      <dt>Valid until</dt>
      <dd>{new Date(inv.expiresAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}</dd>
    </dl>
  );
}

function useInvite(token: string) {
  const q = useInvitePreview(token);
  const body = q.isPending ? (
    <p className="muted">Loading the invitation…</p>
  ) : q.isError ? (
    <p className="pp-alert" role="alert">
      This invitation link is not valid. Check that it was copied whole, or ask for a new one.
    </p>
  ) : null;
  return { inv: q.data, body };
}

/** `/invite/<token>` without a session: what the invitation is for, then sign in or create an account (back here after). */
export function InvitePublicPage({ token }: { token: string }) {
  const { inv, body } = useInvite(token);
  const back = `/invite/${encodeURIComponent(token)}`;
  return (
    <PublicCard title="You are invited" testId="invite">
      {body}
      {inv && (
        <>
          <Facts inv={inv} />
          {inv.state !== 'pending' ? (
            <p className="pp-note">{STATE_TEXT[inv.state]}</p>
          ) : (
            <>
              <p className="muted" style={{ margin: 0 }}>
                Create an account with {inv.email} to join, or sign in if you have one.
              </p>
              <Link className="pp-button-link primary" href={`/signup?invite=${encodeURIComponent(token)}`}>
                Create an account and join
              </Link>
              <Link className="pp-button-link" href={`/signin?next=${encodeURIComponent(back)}`}>
                I have an account: sign in
              </Link>
            </>
          )}
        </>
      )}
    </PublicCard>
  );
}

/** `/invite/<token>` when signed in: join the workspace, then work in it. */
export function InviteAcceptPage({ token }: { token: string }) {
  const { adopt } = useAuth();
  const { inv, body } = useInvite(token);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function join() {
    setBusy(true);
    setError(null);
    try {
      const accepted = await people.accept(token);
      await people.switchWorkspace(accepted.workspace.id);
      navigate('/sessions', { replace: true });
      adopt();
    } catch (err) {
      setError(formErrors(err, []).message ?? 'Could not join.');
      setBusy(false);
    }
  }
  return (
    <section aria-labelledby="invite-title" className="pp-card card" style={{ margin: '0 auto' }} data-testid="invite">
      <h1 id="invite-title">Join a workspace</h1>
      {body}
      {inv && (
        <>
          <Facts inv={inv} />
          {inv.state !== 'pending' ? (
            <p className="pp-note">{STATE_TEXT[inv.state]}</p>
          ) : (
            <button type="button" className="primary" onClick={() => void join()} disabled={busy}>
              {busy ? 'Joining…' : `Join ${inv.workspace.name}`}
            </button>
          )}
          {error && (
            <p className="pp-alert" role="alert">
              {error}
            </p>
          )}
          <Link href="/sessions">Not now</Link>
        </>
      )}
    </section>
  );
}

