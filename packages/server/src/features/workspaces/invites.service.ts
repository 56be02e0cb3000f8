import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { CreatedInvite, Invite, InvitePreview, InviteState, Role } from '@autopilot/contracts';
import { actorRef } from '../../platform/actor';
import { iso, type Clock } from '../../platform/clock';
import { randomToken } from '../../platform/crypto';
import { AppError, conflict, forbidden, notFound } from '../../platform/errors';
import type { EventBus } from '../../platform/events/bus';
import type { AuthContext } from '../../platform/http/types';
import type { Logger } from '../../platform/logger';
import type { InvitesTable } from '../../platform/db/schema.people';
import type { InvitesStore } from './invites.store';
import type { MembersStore } from './members.store';
import type { KeyHasher } from './keys';

/** How long an invitation works. */
export const INVITE_TTL_MS = 7 * 86_400_000;
const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };
const ROLES: Role[] = ['viewer', 'member', 'admin', 'owner'];

export interface InvitesDeps {
  store: InvitesStore;
  members: MembersStore;
  clock: Clock;
  log: Logger;
  hasher: KeyHasher;
  bus?: EventBus;
  /** SMTP_URL and SMTP_FROM: invitations are e-mailed when set. */
  smtp?: { url: string; from: string };
  /** AUTOPILOT_PUBLIC_URL: the base of invitation links (else the origin the create request reached). */
  publicUrl?: string;
}

/** Lower-cased and trimmed: how e-mail addresses are compared (users.email is stored the same way). */
export const normalEmail = (e: string) => e.trim().toLowerCase();

export function inviteState(r: Pick<InvitesTable, 'accepted_at' | 'revoked_at' | 'expires_at'>, now: number): InviteState {
  if (r.accepted_at) return 'accepted';
  if (r.revoked_at) return 'revoked';
  return Number(r.expires_at) <= now ? 'expired' : 'pending';
}

/**
 * Workspace invitations by e-mail: a single-use random token (7 days) stored as its HMAC, for one role in one
 * workspace. E-mailed when SMTP is configured, otherwise the create answer shows the link once. Accepting needs the
 * signed-in person's e-mail to be the invited one (case-insensitive); it adds the membership, and an existing
 * member keeps the higher of their role and the invited one. One conditional UPDATE marks the invitation used.
 */
export function createInvites(deps: InvitesDeps) {
  const { store, members, clock, log, hasher } = deps;

  async function actorNames(refs: Array<string | null>): Promise<Map<string, string>> {
    const ids = [...new Set(refs.filter((r): r is string => !!r && r.startsWith('person:')).map((r) => r.slice('person:'.length)))];
    const users = await members.usersByIds(ids);
    const keys = await members.keyNames([...new Set(refs.filter((r): r is string => !!r && r.startsWith('key:')).map((r) => r.slice('key:'.length)))]);
    const out = new Map<string, string>();
    for (const u of users) out.set(`person:${u.id}`, u.name || u.email);
    for (const k of keys) out.set(`key:${k.id}`, k.name);
    return out;
  }

  const toInvite = (r: InvitesTable, names: Map<string, string>): Invite => ({
    id: r.id,
    email: r.email,
    role: r.role as Role,
    state: inviteState(r, clock.now()),
    createdAt: r.created_at,
    expiresAt: new Date(Number(r.expires_at)).toISOString(),
    createdBy: r.created_by ? { ref: r.created_by, name: names.get(r.created_by) ?? null } : null,
    acceptedAt: r.accepted_at,
    acceptedBy: r.accepted_by,
    revokedAt: r.revoked_at,
  });

  async function send(to: string, link: string, workspaceName: string, inviter: string | null, role: Role): Promise<boolean> {
    if (!deps.smtp) return false;
    const transport = nodemailer.createTransport(deps.smtp.url);
    try {
      const who = inviter ? `${inviter} invited you` : 'You are invited';
      await transport.sendMail({
        from: deps.smtp.from,
        to,
        subject: `Invitation to the workspace ${workspaceName} on Jules Autopilot`,
        text: `${who} to the workspace "${workspaceName}" on Jules Autopilot as ${role}.\n\nAccept within 7 days: ${link}\n\nIf you did not expect this, ignore this message.\n`,
      });
      return true;
    } catch (err) {
      log.warn({ err, inviteTo: to.replace(/^[^@]*/, '…') }, 'invitation e-mail could not be sent; the link is shown in the answer instead');
      return false;
    } finally {
      transport.close();
    }
  }

  /** The signed-in person's id and e-mail, or 403 for a key. */
  async function personOf(auth: AuthContext): Promise<{ id: string; email: string }> {
    if (!auth.userId) throw forbidden('Sign in as a person to accept an invitation (API keys cannot)');
    const user = await members.userById(auth.userId);
    if (!user || user.disabled_at) throw forbidden('Your account is not active');
    return { id: user.id, email: user.email };
  }

  async function accept(token: string, person: { id: string; email: string }): Promise<{ workspaceId: string; role: Role; alreadyMember: boolean; workspace: { id: string; name: string; slug: string } }> {
    const row = await store.byHash(hasher.inviteHash(token));
    if (!row) throw notFound('Invitation');
    const workspace = { id: row.workspace_id, name: row.workspace_name, slug: row.workspace_slug ?? '' };
    if (normalEmail(row.email) !== normalEmail(person.email)) {
      throw new AppError('forbidden', `This invitation was sent to another e-mail address: sign in as ${row.email} to accept it`, [{ path: 'body.token', message: 'invitation for another e-mail address' }]);
    }
    const refuse = (state: InviteState) =>
      conflict(state === 'accepted' ? 'This invitation was already used' : state === 'revoked' ? 'This invitation was revoked' : 'This invitation has expired: ask for a new one', {
        state,
        issues: [{ path: 'body.token', message: `invitation ${state}` }],
      });
    // Accepting again (a double click, a retry) answers the same while they are still a member; once they left or
    // were removed, the used token does not bring them back.
    const idempotent = async () => {
      const m = await members.membership(row.workspace_id, person.id);
      if (!m) throw refuse('accepted');
      return { workspaceId: row.workspace_id, role: m.role as Role, alreadyMember: true, workspace };
    };
    const state = inviteState(row, clock.now());
    if (state === 'accepted' && row.accepted_by === person.id) return idempotent();
    if (state !== 'pending') throw refuse(state);
    const invited = row.role as Role;
    const done = await store.acceptInto(row.id, row.workspace_id, person.id, invited, iso(clock), clock.now(), ROLES.filter((r) => RANK[r] >= RANK[invited]));
    if (!done) {
      const again = await store.byHash(hasher.inviteHash(token));
      if (again?.accepted_by === person.id) return idempotent();
      throw refuse(again ? inviteState(again, clock.now()) : 'revoked');
    }
    const role = done.role as Role;
    const added = done.added;
    if (added) await deps.bus?.publish('member.added', row.workspace_id, { userId: person.id, role, via: 'invite', by: `person:${person.id}` });
    else if (done.before && done.before !== role) await deps.bus?.publish('member.updated', row.workspace_id, { userId: person.id, from: done.before as Role, to: role, by: `person:${person.id}` });
    await deps.bus?.publish('invite.accepted', row.workspace_id, { inviteId: row.id, userId: person.id, role });
    log.info({ workspaceId: row.workspace_id, inviteId: row.id, userId: person.id, role }, 'invitation accepted');
    return { workspaceId: row.workspace_id, role, alreadyMember: !added, workspace };
  }

  return {
    /**
     * Invites `email` to the caller's workspace. Admins and owners; the owner role by owners only; not someone who
     * already is a member. The link is e-mailed when SMTP is configured (then `link` is null), else returned once.
     */
    async create(auth: AuthContext, workspaceId: string, body: { email: string; role: Role }, origin: string): Promise<CreatedInvite> {
      if (workspaceId !== auth.workspaceId) throw notFound('Workspace', workspaceId);
      if (RANK[auth.role] < RANK.admin) throw forbidden('Only admins and owners invite people');
      if (body.role === 'owner' && auth.role !== 'owner') throw forbidden('Only owners invite owners');
      const email = normalEmail(body.email);
      const existing = await members.userByEmail(email);
      if (existing && (await members.membership(workspaceId, existing.id))) throw conflict(`${email} already is a member of this workspace`, { field: 'email' });
      const ws = await members.workspaceById(workspaceId);
      if (!ws) throw notFound('Workspace', workspaceId);
      const token = randomToken(32);
      const by = actorRef(auth.actor);
      const row: InvitesTable = {
        id: randomUUID(),
        workspace_id: workspaceId,
        email,
        role: body.role,
        token_hash: hasher.inviteHash(token),
        created_at: iso(clock),
        expires_at: clock.now() + INVITE_TTL_MS,
        created_by: by,
        accepted_at: null,
        accepted_by: null,
        revoked_at: null,
      };
      await store.insert(row);
      const link = `${(deps.publicUrl ?? origin).replace(/\/+$/, '')}/invite/${token}`;
      const names = await actorNames([by]);
      const emailed = await send(email, link, ws.name, names.get(by) ?? null, body.role);
      await deps.bus?.publish('invite.created', workspaceId, { inviteId: row.id, role: body.role, emailed, expiresAt: new Date(row.expires_at).toISOString(), by });
      log.info({ workspaceId, inviteId: row.id, role: body.role, emailed, by }, 'invitation created');
      return { ...toInvite(row, names), link: emailed ? null : link, emailed };
    },

    /** The workspace's invitations with their states; never a token or link. */
    async list(auth: AuthContext, workspaceId: string): Promise<Invite[]> {
      if (workspaceId !== auth.workspaceId) throw notFound('Workspace', workspaceId);
      const rows = await store.list(workspaceId);
      const names = await actorNames(rows.map((r) => r.created_by));
      return rows.map((r) => toInvite(r, names));
    },

    /** Revokes a pending invitation (admins and owners; an owner invitation by owners only). */
    async revoke(auth: AuthContext, workspaceId: string, inviteId: string): Promise<Invite> {
      if (workspaceId !== auth.workspaceId) throw notFound('Workspace', workspaceId);
      const row = await store.byId(workspaceId, inviteId);
      if (!row) throw notFound('Invitation', inviteId);
      if (row.role === 'owner' && auth.role !== 'owner') throw forbidden('Only owners revoke owner invitations');
      const at = iso(clock);
      if (!(await store.revoke(workspaceId, inviteId, at))) {
        const state = inviteState(row, clock.now());
        throw conflict(`This invitation is ${state === 'pending' ? 'no longer pending' : state}`, { state, issues: [{ path: 'param.inviteId', message: `invitation ${state}` }] });
      }
      await deps.bus?.publish('invite.revoked', workspaceId, { inviteId, by: actorRef(auth.actor) });
      return toInvite({ ...row, revoked_at: at }, await actorNames([row.created_by]));
    },

    /** Accepts an invitation for `person` (sign-up with an invitation, or a signed-in person). */
    accept,

    /** The route's accept: the signed-in person of the request. */
    async acceptAs(auth: AuthContext, token: string) {
      const person = await personOf(auth);
      const r = await accept(token, person);
      return { workspace: r.workspace, role: r.role, alreadyMember: r.alreadyMember };
    },

    /** A pending invitation's workspace, e-mail and role (null when unknown, used, revoked or expired). */
    async peek(token: string): Promise<{ workspaceId: string; email: string; role: Role } | null> {
      const row = await store.byHash(hasher.inviteHash(token));
      if (!row || inviteState(row, clock.now()) !== 'pending') return null;
      return { workspaceId: row.workspace_id, email: row.email, role: row.role as Role };
    },

    /** What the accept page shows (no sign-in needed): 404 for an unknown token. */
    async preview(token: string): Promise<InvitePreview> {
      const row = await store.byHash(hasher.inviteHash(token));
      if (!row) throw notFound('Invitation');
      const names = await actorNames([row.created_by]);
      return {
        workspace: { name: row.workspace_name, slug: row.workspace_slug ?? '' },
        invitedBy: row.created_by ? (names.get(row.created_by) ?? null) : null,
        email: row.email,
        role: row.role as Role,
        state: inviteState(row, clock.now()),
        expiresAt: new Date(Number(row.expires_at)).toISOString(),
      };
    },
  };
}
export type Invites = ReturnType<typeof createInvites>;
