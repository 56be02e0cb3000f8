import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '@autopilot/senders-sim';
import { AppError } from '../../platform/errors';
import { requirePostgresInCi, testEngines } from '../../platform/db/testing';
import { createMembersWorld, type MembersWorld } from './members.testing';
import { INVITE_TTL_MS } from './invites.service';

requirePostgresInCi();

const PUBLIC = 'https://autopilot.example.com';
const tokenOf = (link: string | null) => {
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
  return link!.split('/invite/')[1]!;
};

async function failure(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe.each(testEngines())('invitations (%s)', (engine) => {
  let w: MembersWorld;
  beforeAll(async () => {
    w = await createMembersWorld(engine, { publicUrl: PUBLIC });
  });
  afterAll(async () => w?.close());

  async function team(label: string) {
    const founder = await w.person(`Founder ${label}`);
    const { workspace } = await w.workspaces.createWorkspace(await w.as(founder, w.defaultWorkspaceId), `Invites ${label}`);
    return { id: workspace.id, founder, owner: await w.as(founder, workspace.id) };
  }

  it('without SMTP shows the link once (AUTOPILOT_PUBLIC_URL/invite/<token>); lists and rows never hold it', async () => {
    const { id, owner } = await team('once');
    const guest = await w.person('Guest once');
    const created = await w.invites.create(owner, id, { email: guest.email, role: 'member' }, 'http://ignored.example');
    expect(created).toMatchObject({ email: guest.email, role: 'member', state: 'pending', emailed: false, createdBy: { ref: `person:${owner.userId}` } });
    expect(created.link!.startsWith(`${PUBLIC}/invite/`)).toBe(true);
    const token = tokenOf(created.link);
    expect(Date.parse(created.expiresAt) - w.clock.now()).toBe(INVITE_TTL_MS);
    const listed = await w.invites.list(owner, id);
    expect(listed.map((i) => i.id)).toEqual([created.id]);
    expect(JSON.stringify(listed)).not.toContain(token);
    expect(listed[0]).not.toHaveProperty('link');
    const rows = await w.t.db.kysely.selectFrom('invites').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(JSON.stringify(w.events)).not.toContain(token);
  });

  it('accepts for the invited e-mail (any case), adds the membership once; accepting again is the same answer', async () => {
    const { id, owner } = await team('accept');
    const guest = await w.person('Guest accept');
    const created = await w.invites.create(owner, id, { email: guest.email.toUpperCase(), role: 'admin' }, 'http://h');
    expect(created.email).toBe(guest.email);
    const token = tokenOf(created.link);
    expect(await w.invites.peek(token)).toEqual({ workspaceId: id, email: guest.email, role: 'admin' });
    const first = await w.invites.accept(token, { id: guest.id, email: guest.email.toUpperCase() });
    expect(first).toMatchObject({ workspaceId: id, role: 'admin', alreadyMember: false });
    const second = await w.invites.accept(token, guest);
    expect(second).toMatchObject({ workspaceId: id, role: 'admin', alreadyMember: true });
    expect((await w.members.list(owner, id)).filter((m) => m.userId === guest.id)).toHaveLength(1);
    expect((await w.membersStore.membership(id, guest.id))?.added_by).toBe(`invite:${created.id}`);
    expect((await w.members.list(owner, id)).find((m) => m.userId === guest.id)?.addedBy).toEqual({ ref: `invite:${created.id}`, name: 'Founder accept (invitation)' });
    expect(w.events.filter((e) => e.type === 'invite.accepted' && e.data.inviteId === created.id)).toHaveLength(1);
    expect((await w.invites.list(owner, id))[0]).toMatchObject({ state: 'accepted', acceptedBy: guest.id });
    expect(await w.invites.peek(token)).toBeNull();
    expect((await w.invites.preview(token)).state).toBe('accepted');
  });

  it('two accepts at once: one membership, one invite.accepted', async () => {
    const { id, owner } = await team('race');
    const guest = await w.person('Guest race');
    const token = tokenOf((await w.invites.create(owner, id, { email: guest.email, role: 'member' }, 'http://h')).link);
    const both = await Promise.all([w.invites.accept(token, guest), w.invites.accept(token, guest)]);
    expect(both.map((b) => b.alreadyMember).sort()).toEqual([false, true]);
    expect(w.events.filter((e) => e.type === 'member.added' && e.workspaceId === id && e.data.userId === guest.id)).toHaveLength(1);
  });

  it('refuses another e-mail (403 saying so), and expired, revoked or used tokens (409 with the state)', async () => {
    const { id, owner } = await team('refuse');
    const guest = await w.person('Guest refuse');
    const stranger = await w.person('Stranger');
    const token = tokenOf((await w.invites.create(owner, id, { email: guest.email, role: 'member' }, 'http://h')).link);
    const mismatch = await failure(w.invites.accept(token, stranger));
    expect(mismatch.code).toBe('forbidden');
    expect(mismatch.message).toMatch(/another e-mail address/);
    expect(await w.membersStore.membership(id, stranger.id)).toBeUndefined();

    const revoked = await w.invites.create(owner, id, { email: guest.email, role: 'viewer' }, 'http://h');
    expect((await w.invites.revoke(owner, id, revoked.id)).state).toBe('revoked');
    expect((await failure(w.invites.revoke(owner, id, revoked.id))).code).toBe('conflict');
    const r = await failure(w.invites.accept(tokenOf(revoked.link), guest));
    expect([r.code, r.details?.state]).toEqual(['conflict', 'revoked']);

    const expiring = await w.invites.create(owner, id, { email: guest.email, role: 'viewer' }, 'http://h');
    w.clock.advance(INVITE_TTL_MS);
    const e = await failure(w.invites.accept(tokenOf(expiring.link), guest));
    expect([e.code, e.details?.state]).toEqual(['conflict', 'expired']);
    expect((await w.invites.list(owner, id)).find((i) => i.id === expiring.id)?.state).toBe('expired');
    expect((await failure(w.invites.accept(token, guest))).details?.state).toBe('expired');

    // Used: accepted, then they left; the used token does not bring them back.
    const fresh = tokenOf((await w.invites.create(owner, id, { email: guest.email, role: 'member' }, 'http://h')).link);
    await w.invites.accept(fresh, guest);
    await w.members.remove(await w.as(guest, id), id, guest.id);
    const used = await failure(w.invites.accept(fresh, guest));
    expect([used.code, used.details?.state]).toEqual(['conflict', 'accepted']);
    expect(await w.membersStore.membership(id, guest.id)).toBeUndefined();
    expect((await failure(w.invites.accept('x'.repeat(43), guest))).code).toBe('not_found');
  });

  it('an existing member keeps the higher role: a lower invitation never demotes, a higher one raises', async () => {
    const { id, owner } = await team('roles');
    const guest = await w.person('Guest roles');
    const admin = tokenOf((await w.invites.create(owner, id, { email: guest.email, role: 'admin' }, 'http://h')).link);
    const viewer = tokenOf((await w.invites.create(owner, id, { email: guest.email, role: 'viewer' }, 'http://h')).link);
    expect((await w.invites.accept(viewer, guest)).role).toBe('viewer');
    expect(await w.invites.accept(admin, guest)).toMatchObject({ role: 'admin', alreadyMember: true });
    const again = tokenOf((await w.invites.create(owner, id, { email: 'later@example.com', role: 'member' }, 'http://h')).link);
    const later = await w.person('Later');
    await w.t.db.kysely.updateTable('users').set({ email: 'later@example.com' }).where('id', '=', later.id).execute();
    await w.join(later, id, 'admin');
    expect((await w.invites.accept(again, { id: later.id, email: 'later@example.com' })).role).toBe('admin');
  });

  it('admins invite (not owners); members and viewers cannot; nobody invites an existing member', async () => {
    const { id, owner } = await team('who');
    const people = { admin: await w.person('A'), member: await w.person('M'), viewer: await w.person('V') };
    for (const [r, p] of Object.entries(people)) await w.join(p, id, r as 'admin');
    const admin = await w.as(people.admin, id);
    expect((await w.invites.create(admin, id, { email: 'x1@example.com', role: 'admin' }, 'http://h')).role).toBe('admin');
    expect((await failure(w.invites.create(admin, id, { email: 'x2@example.com', role: 'owner' }, 'http://h'))).code).toBe('forbidden');
    expect((await w.invites.create(owner, id, { email: 'x3@example.com', role: 'owner' }, 'http://h')).role).toBe('owner');
    for (const p of [people.member, people.viewer]) expect((await failure(w.invites.create(await w.as(p, id), id, { email: 'x4@example.com', role: 'viewer' }, 'http://h'))).code).toBe('forbidden');
    const dup = await failure(w.invites.create(owner, id, { email: people.member.email, role: 'viewer' }, 'http://h'));
    expect([dup.code, dup.details?.issues?.[0]?.path]).toEqual(['conflict', 'body.email']);
  });

  describe('with SMTP (the senders-sim sink)', () => {
    let sink: SmtpSink;
    let mailed: MembersWorld;
    beforeAll(async () => {
      sink = await startSmtpSink();
      mailed = await createMembersWorld(engine, { smtp: { url: sink.url, from: 'Autopilot <autopilot@example.com>' }, publicUrl: PUBLIC });
    });
    afterAll(async () => {
      await mailed?.close();
      await sink?.close();
    });

    it('e-mails the link (not in the answer); the mailed token is the one that works', async () => {
      const founder = await mailed.person('Mailer');
      const { workspace } = await mailed.workspaces.createWorkspace(await mailed.as(founder, mailed.defaultWorkspaceId), 'Mailed Team');
      const guest = await mailed.person('Mailed guest');
      const created = await mailed.invites.create(await mailed.as(founder, workspace.id), workspace.id, { email: guest.email, role: 'member' }, 'http://h');
      expect(created).toMatchObject({ emailed: true, link: null });
      const msg = sink.messages.find((m) => m.to.includes(guest.email));
      expect(msg?.subject).toContain('Mailed Team');
      expect(msg?.text).toContain('Mailer invited you');
      const link = /https:\/\/autopilot\.example\.com\/invite\/([A-Za-z0-9_-]{43})/.exec(msg?.text ?? '');
      expect(link).not.toBeNull();
      expect(JSON.stringify(created)).not.toContain(link![1]);
      expect(await mailed.invites.accept(link![1]!, guest)).toMatchObject({ workspaceId: workspace.id, role: 'member' });
    });
  });
});
