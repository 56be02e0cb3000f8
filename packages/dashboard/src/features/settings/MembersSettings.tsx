import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { CreateInviteBody, type CreatedInvite, type Invite, type Me, type Member, type Role } from '@autopilot/contracts';
import { navigate } from '../../app/router';
import { useApi, useAuth, useMe } from '../../lib/api';
import { ErrorNote } from '../../lib/ui';
import { dateTime, describedBy, errorsOf, FieldError, isAdmin, Modal, RANK } from './settings-ui';
import '../people/people.css';
import './members.css';

const ROLES: Role[] = ['owner', 'admin', 'member', 'viewer'];
const membersKey = (ws: string) => ['settings', 'members', ws];
const invitesKey = (ws: string) => ['settings', 'invites', ws];

/**
 * The roles the caller may give `target` (the server's rules mirrored: admins manage members and viewers and grant
 * only those; owners anything; never the last owner's demotion). Empty when the caller cannot change this member.
 */
export function assignableRoles(me: Me, target: Member, owners: number): Role[] {
  const mine = me.key.role;
  if (RANK[mine] < RANK.admin) return [];
  if (target.role === 'owner' && owners <= 1) return [];
  if (mine === 'owner') return ROLES;
  if (RANK[target.role] >= RANK.admin) return [];
  return ['member', 'viewer'];
}

/** Whether the caller may remove `target` (or leave, when it is them): never the last owner. */
function canRemove(me: Me, target: Member, owners: number): boolean {
  if (target.role === 'owner' && owners <= 1) return false;
  if (me.person?.id === target.userId) return true;
  if (me.key.role === 'owner') return true;
  return me.key.role === 'admin' && RANK[target.role] < RANK.admin;
}

function RoleCell({ me, member, owners }: { me: Me; member: Member; owners: number }) {
  const api = useApi();
  const qc = useQueryClient();
  const [error, setError] = useState<string | undefined>();
  const roles = assignableRoles(me, member, owners);
  const change = useMutation({
    mutationFn: (role: Role) => api.members.update(me.workspace.id, member.userId, role),
    onSuccess: () => {
      setError(undefined);
      void qc.invalidateQueries({ queryKey: membersKey(me.workspace.id) });
      if (member.userId === me.person?.id) void qc.invalidateQueries({ queryKey: ['me'] });
    },
    onError: (err) => setError(errorsOf(err).message),
  });
  const lastOwner = member.role === 'owner' && owners <= 1;
  if (!roles.length)
    return (
      <>
        <span className="pill" data-testid="member-role">
          {member.role}
        </span>
        {lastOwner && (
          <span className="st-hint" data-testid="last-owner">
            {' '}
            Last owner: make someone else owner first.
          </span>
        )}
      </>
    );
  const id = `role-${member.userId}`;
  return (
    <>
      <select id={id} value={member.role} onChange={(e) => change.mutate(e.target.value as Role)} disabled={change.isPending} aria-label={`Role of ${member.name}`} data-testid="member-role-select" {...describedBy(`${id}-error`, error)}>
        {ROLES.filter((r) => roles.includes(r) || r === member.role).map((r) => (
          <option key={r} value={r} disabled={!roles.includes(r)}>
            {r}
          </option>
        ))}
      </select>
      <FieldError id={`${id}-error`} text={error} />
    </>
  );
}

function RemoveDialog({ me, target, onClose }: { me: Me; target: Member | null; onClose: () => void }) {
  const api = useApi();
  const qc = useQueryClient();
  const { logout } = useAuth();
  const self = target?.userId === me.person?.id;
  const remove = useMutation({
    mutationFn: (m: Member) => api.members.remove(me.workspace.id, m.userId),
    onSuccess: () => {
      onClose();
      if (self) {
        // Leaving the workspace this session acts in: its session is gone with the membership.
        navigate('/', { replace: true });
        logout(`You left ${me.workspace.name}. Sign in again to work in your other workspaces.`);
        return;
      }
      void qc.invalidateQueries({ queryKey: membersKey(me.workspace.id) });
    },
  });
  return (
    <Modal open={target !== null} onClose={() => (remove.reset(), onClose())} labelledBy="member-remove-title" testId="member-remove-dialog">
      {target && (
        <div className="st-form">
          <h2 id="member-remove-title">{self ? `Leave ${me.workspace.name}?` : `Remove ${target.name}?`}</h2>
          <p style={{ margin: 0 }}>
            {self
              ? 'You lose access to its sessions, keys and settings. An admin or owner can invite you again.'
              : `${target.name} (${target.email}) loses access to ${me.workspace.name} at once: their sessions in it end. Keys they created keep working until revoked.`}
          </p>
          {remove.isError && (
            <p className="st-error" role="alert">
              {errorsOf(remove.error).message}
            </p>
          )}
          <div className="st-actions">
            <button type="button" onClick={() => (remove.reset(), onClose())}>
              Cancel
            </button>
            <button type="button" className="primary danger" onClick={() => remove.mutate(target)} disabled={remove.isPending}>
              {remove.isPending ? 'Removing…' : self ? 'Leave' : 'Remove'}
            </button>
          </div>
        </div>
      )}
    </Modal>
  );
}

function MembersTable({ me }: { me: Me }) {
  const api = useApi();
  const members = useQuery({ queryKey: membersKey(me.workspace.id), queryFn: () => api.members.list(me.workspace.id) });
  const [removing, setRemoving] = useState<Member | null>(null);
  if (members.isError) return <ErrorNote error={members.error} retry={() => void members.refetch()} />;
  if (!members.data) return <p className="muted">Loading…</p>;
  const items = members.data.items;
  const owners = items.filter((m) => m.role === 'owner').length;
  return (
    <>
      <div className="table-wrap">
        <table className="table mb-table" data-testid="members">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">E-mail</th>
              <th scope="col">Role</th>
              <th scope="col">Joined</th>
              <th scope="col">
                <span className="st-muted">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((m) => (
              <tr key={m.userId} data-testid="member-row" data-email={m.email}>
                <th scope="row">
                  {m.name}
                  {m.userId === me.person?.id && <span className="mb-you">(you)</span>}
                </th>
                <td className="st-wrap">{m.email}</td>
                <td>
                  <RoleCell me={me} member={m} owners={owners} />
                </td>
                <td>
                  <span className="st-hint">{dateTime(m.joinedAt)}</span>
                  {m.addedBy?.name && <span className="st-hint"> · added by {m.addedBy.name}</span>}
                </td>
                <td>
                  {canRemove(me, m, owners) && (
                    <button type="button" className="danger" onClick={() => setRemoving(m)} aria-label={m.userId === me.person?.id ? 'Leave the workspace' : `Remove ${m.name}`}>
                      {m.userId === me.person?.id ? 'Leave' : 'Remove'}
                    </button>
                  )}
                </td>
              </tr>
            ))}
            {!items.length && (
              <tr>
                <td colSpan={5} className="st-muted">
                  Nobody has joined yet: people signed in with a key are not members. Invite someone below.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <RemoveDialog me={me} target={removing} onClose={() => setRemoving(null)} />
    </>
  );
}

/** The invitation just created: its link shown this once (copy it), or a note that it was e-mailed. */
function CreatedNote({ created, onDone }: { created: CreatedInvite; onDone: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(created.link ?? '');
      setCopied('yes');
    } catch {
      setCopied('no');
    }
  }
  if (!created.link)
    return (
      <p className="st-note" role="status" data-testid="invite-emailed">
        Invitation e-mailed to {created.email} ({created.role}). The link works once, until {dateTime(created.expiresAt)}.{' '}
        <button type="button" className="ghost" onClick={onDone}>
          OK
        </button>
      </p>
    );
  return (
    <div className="st-card st-form" data-testid="invite-created">
      <p className="st-warn" role="note" style={{ margin: 0 }}>
        <strong>This link is shown only now.</strong> Send it to {created.email}: it works once, for that address, until {dateTime(created.expiresAt)}.
      </p>
      <code className="st-secret" data-testid="invite-link" aria-label="The invitation link">
        {created.link}
      </code>
      <div className="st-actions">
        <span className="st-hint" aria-live="polite">
          {copied === 'yes' ? 'Copied to the clipboard.' : copied === 'no' ? 'The browser refused the clipboard: select the link and copy it by hand.' : ''}
        </span>
        <button type="button" onClick={() => void copy()}>
          Copy link
        </button>
        <button type="button" className="primary" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}

function InviteForm({ me }: { me: Me }) {
  const api = useApi();
  const qc = useQueryClient();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [created, setCreated] = useState<CreatedInvite | null>(null);
  const create = useMutation({
    mutationFn: (body: { email: string; role: Role }) => api.invites.create(me.workspace.id, body),
    onSuccess: (inv) => {
      setCreated(inv);
      void qc.invalidateQueries({ queryKey: invitesKey(me.workspace.id) });
    },
    onError: (err) => {
      const e = errorsOf(err);
      setErrors(e.fields);
      setFormError(Object.keys(e.fields).length ? undefined : e.message);
    },
  });
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const parsed = CreateInviteBody.safeParse({ email: String(data.get('email') ?? '').trim(), role: String(data.get('role') ?? 'member') });
    if (!parsed.success) return setErrors({ email: 'Enter an e-mail address like ada@example.com.' });
    setErrors({});
    setFormError(undefined);
    create.mutate({ email: parsed.data.email, role: parsed.data.role }, { onSuccess: () => form.reset() });
  }
  const roles = me.key.role === 'owner' ? ROLES : ROLES.filter((r) => RANK[r] < RANK.admin);
  return (
    <div className="st-form">
      <form className="st-form st-card" onSubmit={submit} noValidate aria-label="Invite a person">
        <h3>Invite a person</h3>
        <div className="st-fields">
          <div className="st-field">
            <label htmlFor="invite-email">E-mail</label>
            <input id="invite-email" name="email" type="email" autoComplete="off" maxLength={320} {...describedBy('invite-email-error', errors.email)} />
            <FieldError id="invite-email-error" text={errors.email} />
          </div>
          <div className="st-field">
            <label htmlFor="invite-role">Role</label>
            <select id="invite-role" name="role" defaultValue="member" {...describedBy('invite-role-error', errors.role)}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
            <FieldError id="invite-role-error" text={errors.role} />
          </div>
        </div>
        {me.key.role !== 'owner' && <span className="st-hint">Only owners invite admins and owners.</span>}
        {formError && (
          <p className="st-error" role="alert">
            {formError}
          </p>
        )}
        <div className="st-actions">
          <button type="submit" className="primary" disabled={create.isPending}>
            {create.isPending ? 'Inviting…' : 'Invite'}
          </button>
        </div>
      </form>
      {created && <CreatedNote created={created} onDone={() => setCreated(null)} />}
    </div>
  );
}

function InviteList({ me }: { me: Me }) {
  const api = useApi();
  const qc = useQueryClient();
  const invites = useQuery({ queryKey: invitesKey(me.workspace.id), queryFn: () => api.invites.list(me.workspace.id) });
  const revoke = useMutation({
    mutationFn: (inv: Invite) => api.invites.revoke(me.workspace.id, inv.id),
    onSuccess: () => void qc.invalidateQueries({ queryKey: invitesKey(me.workspace.id) }),
  });
  if (invites.isError) return <ErrorNote error={invites.error} retry={() => void invites.refetch()} />;
  if (!invites.data) return <p className="muted">Loading…</p>;
  const pending = invites.data.items.filter((i) => i.state === 'pending');
  const past = invites.data.items.filter((i) => i.state !== 'pending').slice(0, 20);
  return (
    <div className="st-form">
      <h3>Pending invitations</h3>
      {revoke.isError && (
        <p className="st-error" role="alert">
          {errorsOf(revoke.error).message}
        </p>
      )}
      {pending.length ? (
        <ul className="st-list" data-testid="invites">
          {pending.map((i) => (
            <li key={i.id} className="st-item" data-testid="invite-row" data-email={i.email}>
              <div className="st-item-head">
                <strong>{i.email}</strong>
                <span className="pill">{i.role}</span>
                <span className="st-grow" />
                <button type="button" className="danger" onClick={() => revoke.mutate(i)} disabled={revoke.isPending} aria-label={`Revoke the invitation of ${i.email}`}>
                  Revoke
                </button>
              </div>
              <span className="st-hint">
                Sent {dateTime(i.createdAt)}
                {i.createdBy?.name ? ` by ${i.createdBy.name}` : ''} · valid until {dateTime(i.expiresAt)}
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="st-muted" style={{ margin: 0 }}>
          No pending invitations.
        </p>
      )}
      {past.length > 0 && (
        <details>
          <summary>Past invitations ({past.length})</summary>
          <ul className="st-list" style={{ marginTop: '0.5rem' }}>
            {past.map((i) => (
              <li key={i.id} className="st-item revoked">
                <div className="st-item-head">
                  <strong>{i.email}</strong>
                  <span className="pill">{i.role}</span>
                  <span className={`pill ${i.state === 'accepted' ? 'pill-ok' : 'pill-degraded'}`}>{i.state}</span>
                </div>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

/** Settings → Members: the people of this workspace with their roles, and invitations (admins and owners). */
export function MembersSettings() {
  const me = useMe();
  if (me.isError) return <ErrorNote error={me.error} retry={() => void me.refetch()} />;
  if (!me.data) return <p className="muted">Loading…</p>;
  const m = me.data;
  return (
    <section aria-labelledby="settings-members" className="st-section">
      <h2 id="settings-members">Members of {m.workspace.name}</h2>
      <p className="st-lead">
        Owners manage everything, admins manage members, viewers and keys, members work with sessions, viewers only read. Only owners grant or revoke admin
        and owner, and the last owner always stays.
      </p>
      <MembersTable me={m} />
      {isAdmin(m) ? (
        <>
          <InviteForm me={m} />
          <InviteList me={m} />
        </>
      ) : (
        <p className="st-hint">Admins and owners invite people.</p>
      )}
    </section>
  );
}
