import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '@autopilot/contracts';
import { AppError } from '../../platform/errors';
import { requirePostgresInCi, testEngines } from '../../platform/db/testing';
import { createMembersWorld, type MembersWorld } from './members.testing';

requirePostgresInCi();

const ROLES: Role[] = ['owner', 'admin', 'member', 'viewer'];
const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };
/** The rule under test: owners change anyone to anything; admins only between member and viewer; nobody else. */
const mayChange = (by: Role, from: Role, to: Role) => by === 'owner' || (by === 'admin' && RANK[from] < RANK.admin && RANK[to] < RANK.admin);

async function failure(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe.each(testEngines())('members and roles (%s)', (engine) => {
  let w: MembersWorld;
  beforeAll(async () => {
    w = await createMembersWorld(engine);
  });
  afterAll(async () => w?.close());

  /** A fresh workspace created by a person (its owner), with one more person of each role. */
  async function team(label: string) {
    const founder = await w.person(`Founder ${label}`);
    const created = await w.workspaces.createWorkspace(await w.as(founder, w.defaultWorkspaceId), `Team ${label}`);
    const id = created.workspace.id;
    const people = {} as Record<Role, { id: string; email: string; name: string }>;
    for (const r of ROLES) {
      people[r] = await w.person(`${r} ${label}`);
      await w.join(people[r], id, r);
    }
    return { id, founder, people };
  }

  it('a person who creates a workspace is its owner through a membership, listed with their role; no key is made', async () => {
    const p = await w.person('Ada');
    const created = await w.workspaces.createWorkspace(await w.as(p, w.defaultWorkspaceId), 'Ada Lab');
    expect(created.ownerKey).toBeNull();
    expect(created.workspace).toMatchObject({ name: 'Ada Lab', slug: 'ada-lab', role: 'owner', isDefault: false });
    expect((await w.membersStore.membership(created.workspace.id, p.id))?.role).toBe('owner');
    const keys = await w.t.db.kysely.selectFrom('api_keys').select('id').where('workspace_id', '=', created.workspace.id).execute();
    expect(keys).toHaveLength(0);
    // A person sees only the workspaces they belong to (not the default one they are not a member of).
    const listed = await w.workspaces.listWorkspaces(await w.as(p, created.workspace.id));
    expect(listed.map((x) => [x.id, x.role, x.current])).toEqual([[created.workspace.id, 'owner', true]]);
    expect(w.events.some((e) => e.type === 'member.added' && e.workspaceId === created.workspace.id && e.data.userId === p.id && e.data.via === 'create')).toBe(true);
  });

  it('lists members with name, e-mail, role, when they joined and who added them', async () => {
    const { id, founder, people } = await team('list');
    const list = await w.members.list(await w.as(people.viewer, id), id);
    expect(list.map((m) => m.userId).sort()).toEqual([founder.id, ...ROLES.map((r) => people[r].id)].sort());
    const f = list.find((m) => m.userId === founder.id)!;
    expect(f).toMatchObject({ name: founder.name, email: founder.email, role: 'owner', addedBy: { ref: `person:${founder.id}`, name: founder.name } });
    expect(f.joinedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('lets each role change exactly the roles the hierarchy allows', async () => {
    for (const by of ROLES) {
      for (const from of ROLES) {
        for (const to of ROLES) {
          if (from === to) continue;
          const { id, people } = await team(`${by}-${from}-${to}`);
          const target = await w.person(`target ${from}`);
          await w.join(target, id, from);
          const call = w.members.setRole(await w.as(people[by], id), id, target.id, to);
          if (mayChange(by, from, to)) {
            expect((await call).role, `${by} changes ${from} -> ${to}`).toBe(to);
            expect((await w.membersStore.membership(id, target.id))?.role).toBe(to);
          } else {
            expect((await failure(call)).code, `${by} changes ${from} -> ${to}`).toBe('forbidden');
            expect((await w.membersStore.membership(id, target.id))?.role).toBe(from);
          }
        }
      }
    }
  });

  it('admins remove members and viewers, owners anyone, members and viewers nobody but themselves', async () => {
    for (const by of ROLES) {
      for (const target of ROLES) {
        const { id, people } = await team(`rm-${by}-${target}`);
        const victim = await w.person(`victim ${target}`);
        await w.join(victim, id, target);
        const allowed = by === 'owner' || (by === 'admin' && RANK[target] < RANK.admin);
        const call = w.members.remove(await w.as(people[by], id), id, victim.id);
        if (allowed) expect((await call).userId).toBe(victim.id);
        else expect((await failure(call)).code, `${by} removes ${target}`).toBe('forbidden');
        expect(!!(await w.membersStore.membership(id, victim.id)), `${by} removes ${target}`).toBe(!allowed);
      }
    }
    const { id, people } = await team('leave');
    for (const r of ['viewer', 'member', 'admin'] as Role[]) {
      expect((await w.members.remove(await w.as(people[r], id), id, people[r].id)).role).toBe(r);
      expect(await w.membersStore.membership(id, people[r].id)).toBeUndefined();
    }
    const left = w.events.filter((e) => e.type === 'member.removed' && e.workspaceId === id);
    expect(left.map((e) => e.type === 'member.removed' && e.data.left)).toEqual([true, true, true]);
  });

  it('never lets the last owner be demoted, removed or leave (409 naming the rule); a second owner unlocks it', async () => {
    const p = await w.person('Solo');
    const { workspace } = await w.workspaces.createWorkspace(await w.as(p, w.defaultWorkspaceId), 'Solo Shop');
    const me = await w.as(p, workspace.id);
    // Each attempt starts only when awaited: two started at once would leave the second's rejection unhandled.
    for (const attempt of [() => w.members.setRole(me, workspace.id, p.id, 'admin'), () => w.members.remove(me, workspace.id, p.id)]) {
      const err = await failure(attempt());
      expect(err.code).toBe('conflict');
      expect(err.message).toMatch(/last owner/);
      expect(err.details).toMatchObject({ rule: 'last_owner' });
    }
    expect((await w.membersStore.membership(workspace.id, p.id))?.role).toBe('owner');
    const second = await w.person('Second');
    await w.join(second, workspace.id, 'member');
    await w.members.setRole(me, workspace.id, second.id, 'owner');
    // Now the first owner may leave; then the second is the last and is protected in turn.
    await w.members.remove(me, workspace.id, p.id);
    const them = await w.as(second, workspace.id);
    expect((await failure(w.members.remove(them, workspace.id, second.id))).code).toBe('conflict');
  });

  it('two owners demoting each other at once leave one owner', async () => {
    const { id, founder, people } = await team('race');
    await w.members.remove(await w.as(founder, id), id, people.owner.id);
    const other = await w.person('Other owner');
    await w.join(other, id, 'owner');
    const [a, b] = await Promise.allSettled([w.members.setRole(await w.as(founder, id), id, other.id, 'member'), w.members.setRole(await w.as(other, id), id, founder.id, 'member')]);
    const owners = (await w.members.list(await w.as(founder, id), id)).filter((m) => m.role === 'owner');
    expect(owners).toHaveLength(1);
    expect([a.status, b.status]).toContain('fulfilled');
  });

  it('a deleted workspace leaves no row in any tenant table; its members keep their other workspaces', async () => {
    const { id, founder, people } = await team('deleted');
    const other = await team('survivor');
    await w.join(people.member, other.id, 'viewer');
    await w.invites.create(await w.as(founder, id), id, { email: 'gone@example.com', role: 'member' }, 'http://h');
    expect(await w.membersStore.tenantTables()).toEqual(expect.arrayContaining(['api_keys', 'memberships', 'invites', 'user_sessions', 'jules_sessions']));
    expect(Object.keys(await w.membersStore.leftovers(id)).sort()).toEqual(['invites', 'memberships', 'workspaces']);
    const err = await failure(w.workspaces.deleteWorkspace(await w.as(founder, id), id, 'team-deleted-x'));
    expect(err.details?.issues?.[0]?.path).toBe('query.confirm');
    expect((await failure(w.workspaces.deleteWorkspace(await w.as(people.admin, id), id, 'team-deleted'))).code).toBe('forbidden');
    expect(await w.workspaces.deleteWorkspace(await w.as(founder, id), id, 'team-deleted')).toEqual({ id, slug: 'team-deleted', deleted: true });
    expect(await w.membersStore.leftovers(id)).toEqual({});
    expect((await w.workspaces.listWorkspaces(await w.as(people.member, other.id))).map((x) => x.id)).toEqual([other.id]);
    expect(w.events.some((e) => e.type === 'workspace.deleted' && e.workspaceId === id)).toBe(true);
  });

  it('refuses another workspace id than the current one (404), for every member call', async () => {
    const one = await team('mine');
    const two = await team('theirs');
    const owner = await w.as(one.founder, one.id);
    for (const call of [
      w.members.list(owner, two.id),
      w.members.setRole(owner, two.id, two.people.member.id, 'viewer'),
      w.members.remove(owner, two.id, two.people.member.id),
      w.invites.list(owner, two.id),
      w.invites.create(owner, two.id, { email: 'x@example.com', role: 'member' }, 'http://h'),
      w.workspaces.getWorkspace(owner, two.id),
      w.workspaces.renameWorkspace(owner, two.id, { name: 'Stolen' }),
      w.workspaces.deleteWorkspace(owner, two.id, 'team-theirs'),
    ]) {
      expect((await failure(call)).code).toBe('not_found');
    }
    expect((await w.membersStore.membership(two.id, two.people.member.id))?.role).toBe('member');
    expect((await w.membersStore.workspaceById(two.id))?.name).toBe('Team theirs');
  });
});
