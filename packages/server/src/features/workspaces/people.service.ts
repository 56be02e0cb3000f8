import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { AuthProviders, Role, SessionPerson, SignupBody, SignupPolicy } from '@autopilot/contracts';
import { actorRef } from '../../platform/actor';
import type { Clock } from '../../platform/clock';
import { randomToken, sha256 } from '../../platform/crypto';
import { AppError, conflict, forbidden, notFound } from '../../platform/errors';
import type { AuthThrottle } from '../../platform/http/throttle';
import type { AuthContext } from '../../platform/http/types';
import type { Logger } from '../../platform/logger';
import { isUniqueViolation } from '../../platform/db';
import type { KeyHasher } from './keys';
import type { MembersStore } from './members.store';
import type { WorkspacesService } from './workspaces.service';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './password';
import type { PeopleStore } from './people.store';

/** How long a password-reset link works. */
export const RESET_TTL_MS = 30 * 60_000;

/** What sign-up needs of the invitations (features/workspaces/invites.service.ts). */
export interface InvitesForSignup {
  accept(token: string, person: { id: string; email: string }): Promise<{ workspaceId: string; role: Role }>;
  peek(token: string): Promise<{ workspaceId: string; email: string; role: Role } | null>;
}

export interface PeopleDeps {
  store: PeopleStore;
  members: MembersStore;
  workspaces: WorkspacesService;
  invites: InvitesForSignup;
  hasher: KeyHasher;
  clock: Clock;
  log: Logger;
  /** Failed password sign-ins, per client address and per e-mail (its own counters: not the API keys'). */
  throttle: AuthThrottle;
  policy: SignupPolicy;
  ttlMs: number;
  defaultWorkspaceId: () => string;
  smtp?: { url: string; from: string };
  publicUrl?: string;
  /** The OIDC button, when configured. */
  oidcName?: string;
}

/** A person's opened session: the cookie token, its CSRF token and expiry, and who it is. */
export interface OpenedSession {
  token: string;
  csrf: string;
  expiresAt: number;
  auth: AuthContext & { expiresAt: number };
}

/** The outcome of a refused sign-in attempt because of the throttle. */
export class Throttled extends AppError {
  constructor(readonly retryAfterMs: number) {
    super('rate_limited', 'Too many failed sign-ins; try again later', { retryAfterMs });
  }
}

const normalEmail = (e: string) => e.trim().toLowerCase();
const iso = (clock: Clock) => new Date(clock.now()).toISOString();

/**
 * People: local accounts (argon2id passwords), sign-up by the AUTH_SIGNUP policy, sign-in, person log-in sessions
 * (table user_sessions, the cookie token stored as its HMAC), the workspace switch, password resets and the account
 * side of OpenID Connect sign-in.
 */
export function createPeople(deps: PeopleDeps) {
  const { store, clock, log, hasher } = deps;
  const emailKey = (email: string) => `email:${sha256(email).slice(0, 32)}`;
  // Reset tokens are HMACed under the session subkey with their own prefix (session tokens are base64url: no ':').
  const resetHash = (token: string) => hasher.sessionHash(`password-reset:${token}`);

  const contextOf = (row: { user_id: string; user_name: string; workspace_id: string; workspace_name: string; role: string; expires_at: number | string }): AuthContext & { expiresAt: number } => ({
    workspaceId: row.workspace_id,
    workspaceName: row.workspace_name,
    keyId: '',
    keyName: '',
    keyPrefix: '',
    keyPublicId: null,
    role: row.role as Role,
    via: 'session',
    actor: { kind: 'person', id: row.user_id, name: row.user_name },
    userId: row.user_id,
    scopes: null,
    expiresAt: Number(row.expires_at),
  });

  async function open(userId: string, workspaceId: string): Promise<OpenedSession> {
    const token = randomToken(32);
    const now = clock.now();
    const expiresAt = now + deps.ttlMs;
    await store.insertSession({ token_hash: hasher.sessionHash(token), user_id: userId, workspace_id: workspaceId, created_at: new Date(now).toISOString(), expires_at: expiresAt });
    await store.touchLogin(userId, new Date(now).toISOString());
    const row = await store.sessionByHash(hasher.sessionHash(token), now);
    if (!row) throw new AppError('internal', 'The new session could not be read back');
    return { token, csrf: hasher.csrfFor(token), expiresAt, auth: contextOf(row) };
  }

  /** The workspace a person lands in at sign-in: their oldest membership. */
  async function landing(userId: string): Promise<string> {
    const ws = await deps.members.workspacesOfUser(userId);
    if (!ws.length) throw forbidden('You do not belong to any workspace: ask for an invitation');
    return ws[0].id;
  }

  /** Where a person without an invitation goes, by the policy: the default workspace (first person), a new one (open), or nowhere. */
  async function placeWithoutInvite(user: { id: string; name: string; email: string }, firstPerson: boolean): Promise<string> {
    if (firstPerson) {
      const ws = deps.defaultWorkspaceId();
      await deps.members.insertMembership({ workspace_id: ws, user_id: user.id, role: 'owner', created_at: iso(clock), added_by: 'signup' });
      log.info({ userId: user.id, workspaceId: ws }, 'first person signed up: owner of the default workspace');
      return ws;
    }
    const auth = { ...contextOf({ user_id: user.id, user_name: user.name, workspace_id: '', workspace_name: '', role: 'viewer', expires_at: 0 }) };
    const base = `${user.name.slice(0, 40)}'s workspace`;
    for (let i = 1; i <= 20; i++) {
      try {
        const made = await deps.workspaces.createWorkspace(auth, i === 1 ? base : `${base} ${i}`);
        return made.workspace.id;
      } catch (err) {
        if (!(err instanceof AppError) || err.code !== 'conflict') throw err;
      }
    }
    throw conflict('No free workspace name for you: ask an owner for an invitation');
  }

  /** Whether `key` is a valid owner key of the default workspace (what the first person must show). */
  async function isDefaultOwnerKey(key: string | undefined): Promise<boolean> {
    if (!key) return false;
    const r = await deps.workspaces.checkKey(key);
    return r.ok && r.auth.role === 'owner' && r.auth.workspaceId === deps.defaultWorkspaceId() && r.auth.actor.kind === 'key';
  }

  /** Whether sign-up without an invitation is possible now, and whether this one would be the first person. */
  async function signupWithoutInvite(): Promise<{ allowed: boolean; firstPerson: boolean }> {
    const first = (await store.countUsers()) === 0;
    if (deps.policy === 'closed') return { allowed: false, firstPerson: false };
    if (deps.policy === 'invite') return { allowed: first, firstPerson: first };
    return { allowed: true, firstPerson: first };
  }

  async function createUser(email: string, name: string, passwordHash: string | null, emailPath = 'body.email') {
    const user = { id: randomUUID(), email, name, password_hash: passwordHash, created_at: iso(clock), last_login_at: null, disabled_at: null };
    try {
      await store.insertUser(user);
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict('An account with this e-mail address exists: sign in or reset the password', [{ path: emailPath, message: 'already has an account' }]);
      throw err;
    }
    return user;
  }

  async function sendReset(to: string, link: string): Promise<void> {
    if (!deps.smtp) {
      // The link holds the token: it is never logged. Without SMTP, an operator issues one with `issueResetLink`.
      log.warn({ to: to.replace(/^[^@]*/, '…') }, 'password reset requested but SMTP_URL is not configured: no e-mail sent');
      return;
    }
    const transport = nodemailer.createTransport(deps.smtp.url);
    try {
      await transport.sendMail({
        from: deps.smtp.from,
        to,
        subject: 'Reset your Jules Autopilot password',
        text: `Someone (hopefully you) asked to reset the password of ${to} on Jules Autopilot.\n\nSet a new password within 30 minutes: ${link}\n\nIf you did not ask for this, ignore this message: your password stays as it is.\n`,
      });
    } catch (err) {
      log.warn({ err, to: to.replace(/^[^@]*/, '…') }, 'password reset e-mail could not be sent');
    } finally {
      transport.close();
    }
  }

  async function issueReset(email: string, origin: string): Promise<{ userId: string; link: string } | null> {
    const user = await store.userByEmail(normalEmail(email));
    if (!user || user.disabled_at) return null;
    const token = randomToken(32);
    const now = clock.now();
    await store.insertReset({ token_hash: resetHash(token), user_id: user.id, created_at: new Date(now).toISOString(), expires_at: now + RESET_TTL_MS });
    return { userId: user.id, link: `${(deps.publicUrl ?? origin).replace(/\/+$/, '')}/reset?token=${token}` };
  }

  return {
    async providers(): Promise<AuthProviders> {
      const without = await signupWithoutInvite();
      return { signup: deps.policy, passwordSignup: without.allowed, ownerKeyRequired: without.firstPerson, oidc: deps.oidcName ? { name: deps.oidcName, startUrl: '/auth/oidc/start' } : null };
    },

    /** Creates an account by the policy (accepting the invitation when there is one) and opens its session. */
    async signup(body: SignupBody): Promise<OpenedSession> {
      const email = normalEmail(body.email);
      checkPasswordPolicy(body.password, email);
      let invite: Awaited<ReturnType<InvitesForSignup['peek']>> = null;
      if (body.inviteToken) {
        invite = await deps.invites.peek(body.inviteToken);
        if (!invite) throw new AppError('not_found', 'This invitation does not exist, was used, revoked or has expired', [{ path: 'body.inviteToken', message: 'not a pending invitation' }]);
        if (normalEmail(invite.email) !== email) throw new AppError('forbidden', `This invitation was sent to another e-mail address`, [{ path: 'body.email', message: 'must be the invited address' }]);
      }
      const without = invite ? null : await signupWithoutInvite();
      if (without && !without.allowed) throw new AppError('forbidden', 'Sign-up is by invitation only: ask a workspace admin to invite you', [{ path: 'body.inviteToken', message: 'required' }]);
      // The first person becomes owner of the default workspace and everything in it: an unauthenticated request
      // must not be enough (anyone reaching a running install first would take it over). They show an owner key.
      if (without?.firstPerson && !(await isDefaultOwnerKey(body.ownerKey))) {
        throw new AppError('forbidden', 'The first account becomes owner of the default workspace: give an owner API key of it (the start-up banner prints one)', [{ path: 'body.ownerKey', message: 'must be an owner key of the default workspace' }]);
      }
      if (await store.userByEmail(email)) throw conflict('An account with this e-mail address exists: sign in or reset the password', [{ path: 'body.email', message: 'already has an account' }]);
      const user = await createUser(email, body.name.trim(), await hashPassword(body.password));
      const workspaceId = invite && body.inviteToken ? (await deps.invites.accept(body.inviteToken, { id: user.id, email })).workspaceId : await placeWithoutInvite(user, without!.firstPerson);
      log.info({ userId: user.id, workspaceId, via: invite ? 'invite' : deps.policy }, 'person signed up');
      return open(user.id, workspaceId);
    },

    /**
     * Signs in by e-mail and password. Wrong password, unknown e-mail and a disabled account get the same 401 after
     * the same work (a dummy hash is verified for unknown e-mails); failures count per client address and per e-mail.
     */
    async signin(emailIn: string, password: string, address: string): Promise<OpenedSession> {
      const email = normalEmail(emailIn);
      const wait = Math.max(await deps.throttle.blockedFor(address), await deps.throttle.blockedFor(emailKey(email)));
      if (wait > 0) {
        log.warn({ address, reason: 'throttled' }, 'sign-in refused: too many failures');
        throw new Throttled(wait);
      }
      const user = await store.userByEmail(email);
      const ok = await verifyPassword(user?.password_hash, password);
      if (!user || !ok || user.disabled_at) {
        log.warn({ address, reason: !user ? 'unknown_email' : user.disabled_at ? 'disabled' : 'wrong_password', userId: user?.id }, 'sign-in failed');
        const over = Math.max(await deps.throttle.fail(address), await deps.throttle.fail(emailKey(email)));
        if (over > 0) throw new Throttled(over);
        throw new AppError('unauthorized', 'Wrong e-mail or password', [{ path: 'body.password', message: 'wrong e-mail or password' }]);
      }
      return open(user.id, await landing(user.id));
    },

    /** The context a person's session cookie stands for, or null (unknown, expired, disabled, no longer a member). */
    async resolve(token: string): Promise<(AuthContext & { expiresAt: number }) | null> {
      const row = await store.sessionByHash(hasher.sessionHash(token), clock.now());
      if (!row || row.disabled_at) return null;
      return contextOf(row);
    },

    close: (token: string) => store.deleteSession(hasher.sessionHash(token)),

    /** Who the signed-in person is and the workspaces they belong to (null for keys). */
    async describe(auth: AuthContext): Promise<SessionPerson | null> {
      if (!auth.userId) return null;
      const user = await store.userById(auth.userId);
      if (!user) return null;
      const ws = await deps.members.workspacesOfUser(user.id);
      return { id: user.id, email: user.email, name: user.name, workspaces: ws.map((w) => ({ id: w.id, name: w.name, slug: w.slug ?? '', role: w.role as Role })) };
    },

    /** Moves a person's session to another workspace they belong to (by id or slug): 404 for any other. */
    async switchWorkspace(auth: AuthContext, token: string | undefined, target: string): Promise<AuthContext & { expiresAt: number }> {
      if (!auth.userId || auth.via !== 'session' || !token) throw new AppError('forbidden', 'Only a signed-in person can switch workspaces: an API key belongs to one workspace', [{ path: 'header.authorization', message: 'sign in as a person' }]);
      const ws = (await deps.members.workspacesOfUser(auth.userId)).find((w) => w.id === target || w.slug === target);
      if (!ws) throw notFound('Workspace', target);
      await store.moveSession(hasher.sessionHash(token), ws.id);
      const row = await store.sessionByHash(hasher.sessionHash(token), clock.now());
      if (!row) throw notFound('Workspace', target);
      log.info({ by: actorRef(auth.actor), workspaceId: ws.id }, 'session switched workspace');
      return contextOf(row);
    },

    /** Always resolves, at once (the e-mail is sent in the background): whether the account exists is not told. */
    async requestReset(email: string, origin: string): Promise<void> {
      void issueReset(email, origin)
        .then((r) => (r ? sendReset(normalEmail(email), r.link) : undefined))
        .catch((err) => log.warn({ err }, 'password reset could not be issued'));
    },

    /** A reset link for an operator to hand over when no SMTP server is configured (never through the API). */
    issueResetLink: (email: string, origin: string) => issueReset(email, origin),

    /** Sets the new password with a reset token (single use), ending every session of that person. */
    async confirmReset(token: string, password: string): Promise<void> {
      const gone = () => new AppError('not_found', 'This reset link does not exist, was used or has expired: ask for a new one', [{ path: 'body.token', message: 'not a valid reset token' }]);
      const peek = await store.resetByHash(resetHash(token), clock.now());
      if (!peek) throw gone();
      const user = await store.userById(peek.user_id);
      if (!user || user.disabled_at) throw gone();
      checkPasswordPolicy(password, user.email);
      const userId = await store.useReset(resetHash(token), clock.now());
      if (!userId) throw gone();
      await store.setPassword(userId, await hashPassword(password));
      await store.deleteSessionsOf(userId);
      log.info({ userId }, 'password reset: every session of this person ended');
    },

    /**
     * The account of an OpenID Connect sign-in: the identity's linked account; else the account with the same
     * verified e-mail (linked now); else a new account, subject to the sign-up policy. Opens its session.
     */
    async oidcSignIn(id: { issuer: string; subject: string; email?: string; emailVerified: boolean; name?: string }): Promise<OpenedSession> {
      const linked = await store.identity(id.issuer, id.subject);
      let user = linked ? await store.userById(linked.user_id) : undefined;
      const email = id.email ? normalEmail(id.email) : undefined;
      if (!user && email && id.emailVerified) {
        user = await store.userByEmail(email);
        if (user) log.info({ userId: user.id, issuer: id.issuer }, 'OIDC identity linked to the account with its verified e-mail');
      }
      if (!user) {
        if (!email || !id.emailVerified) throw forbidden('Your identity provider did not give a verified e-mail address');
        const without = await signupWithoutInvite();
        if (!without.allowed) throw forbidden('Sign-up is by invitation only: ask a workspace admin to invite you, then sign up with the invitation');
        // Like a password sign-up, the first person must show an owner key: an identity provider's user does not.
        if (without.firstPerson) throw forbidden('The first account is created on the sign-up page with an owner API key; sign in with your identity provider after that');
        const made = await createUser(email, (id.name ?? email).slice(0, 100), null);
        await placeWithoutInvite(made, without.firstPerson);
        user = await store.userById(made.id);
      }
      if (!user || user.disabled_at) throw forbidden('Your account is disabled');
      if (!linked) await store.insertIdentity({ issuer: id.issuer, subject: id.subject, user_id: user.id, email: email ?? null, created_at: iso(clock) });
      return open(user.id, await landing(user.id));
    },
  };
}
export type People = ReturnType<typeof createPeople>;
