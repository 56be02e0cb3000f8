import type { Member, Role } from '@autopilot/contracts';
import { actorRef } from '../../platform/actor';
import { AppError, forbidden, notFound } from '../../platform/errors';
import type { EventBus } from '../../platform/events/bus';
import type { AuthContext } from '../../platform/http/types';
import type { Logger } from '../../platform/logger';
import type { MembersStore } from './members.store';

const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };
const SLUG = /^[a-z0-9][a-z0-9-]{1,39}$/;

/**
 * The slug a name gives: lower-cased, accents dropped, runs of anything else one `-`, at most 40 characters;
 * `workspace` when nothing is left, `<x>-ws` when one character is.
 */
export function slugOf(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  if (base.length === 0) return 'workspace';
  return SLUG.test(base) ? base : `${base}-ws`;
}

/** `base`, then `base-2`, `base-3` … (cut so each stays within 40 characters). */
export function* slugCandidates(base: string, max = 200): Generator<string> {
  yield base;
  for (let i = 2; i <= max; i++) {
    const tail = `-${i}`;
    yield `${base.slice(0, 40 - tail.length).replace(/-+$/, '')}${tail}`;
  }
}

export interface MembersDeps {
  store: MembersStore;
  log: Logger;
  bus?: EventBus;
}

const lastOwner = (what: string) =>
  new AppError('conflict', `The last owner of a workspace cannot ${what}: make another member an owner first`, { rule: 'last_owner', issues: [{ path: 'param.userId', message: 'the last owner' }] });

/**
 * The people of a workspace and their roles. Every call acts on the caller's current workspace (another id: 404).
 * Admins manage members and viewers; only owners grant or revoke admin and owner; anyone may leave; the last owner
 * can be neither removed, demoted nor leave (409, rule `last_owner`).
 */
export function createMembers(deps: MembersDeps) {
  const { store, log } = deps;

  /** Names for actor refs: a person's name, a key's name; an invitation's ref is named after who sent it. */
  async function namesOf(refs: string[]): Promise<Map<string, string>> {
    const ids = (prefix: string, list: string[]) => [...new Set(list.filter((a) => a.startsWith(prefix)).map((a) => a.slice(prefix.length)))];
    const invites = await store.inviteCreators(ids('invite:', refs));
    const all = [...refs, ...invites.map((i) => i.created_by ?? '')];
    const names = new Map<string, string>();
    for (const u of await store.usersByIds(ids('person:', all))) names.set(`person:${u.id}`, u.name || u.email);
    for (const k of await store.keyNames(ids('key:', all))) names.set(`key:${k.id}`, k.name);
    for (const i of invites) {
      const by = i.created_by ? names.get(i.created_by) : undefined;
      if (by) names.set(`invite:${i.id}`, `${by} (invitation)`);
    }
    return names;
  }

  async function toMembers(rows: Awaited<ReturnType<MembersStore['listMembers']>>): Promise<Member[]> {
    const names = await namesOf(rows.map((r) => r.added_by).filter((a): a is string => !!a));
    return rows.map((r) => ({
      userId: r.user_id,
      name: r.name,
      email: r.email,
      role: r.role as Role,
      joinedAt: r.created_at,
      addedBy: r.added_by ? { ref: r.added_by, name: names.get(r.added_by) ?? null } : null,
    }));
  }

  async function memberOf(workspaceId: string, userId: string): Promise<Member> {
    const all = await toMembers(await store.listMembers(workspaceId));
    const m = all.find((x) => x.userId === userId);
    if (!m) throw notFound('Member', userId);
    return m;
  }

  const sameWorkspace = (auth: AuthContext, workspaceId: string) => {
    if (workspaceId !== auth.workspaceId) throw notFound('Workspace', workspaceId);
  };

  return {
    async list(auth: AuthContext, workspaceId: string): Promise<Member[]> {
      sameWorkspace(auth, workspaceId);
      return toMembers(await store.listMembers(workspaceId));
    },

    /** Changes a member's role (admins: between member and viewer; owners: any; never the last owner's). */
    async setRole(auth: AuthContext, workspaceId: string, userId: string, role: Role): Promise<Member> {
      sameWorkspace(auth, workspaceId);
      if (RANK[auth.role] < RANK.admin) throw forbidden('Only admins and owners change roles');
      const before = await memberOf(workspaceId, userId);
      if (before.role === role) return before;
      if ((RANK[before.role] >= RANK.admin || RANK[role] >= RANK.admin) && auth.role !== 'owner') throw forbidden('Only owners grant or revoke the admin and owner roles');
      const outcome = await store.setRole(workspaceId, userId, role);
      if (outcome === 'gone') throw notFound('Member', userId);
      if (outcome === 'last_owner') throw lastOwner('be demoted');
      await deps.bus?.publish('member.updated', workspaceId, { userId, from: before.role, to: role, by: actorRef(auth.actor) });
      log.info({ workspaceId, userId, from: before.role, to: role, by: actorRef(auth.actor) }, 'member role changed');
      return { ...before, role };
    },

    /**
     * Removes a member, or the caller themself (leaving: any role). Admins remove members and viewers; owners
     * anyone; never the last owner.
     */
    async remove(auth: AuthContext, workspaceId: string, userId: string): Promise<Member> {
      sameWorkspace(auth, workspaceId);
      const self = auth.userId === userId;
      if (!self && RANK[auth.role] < RANK.admin) throw forbidden('Only admins and owners remove members (anyone may leave)');
      const before = await memberOf(workspaceId, userId);
      if (!self && RANK[before.role] >= RANK.admin && auth.role !== 'owner') throw forbidden('Only owners remove admins and owners');
      const outcome = await store.removeMember(workspaceId, userId);
      if (outcome === 'gone') throw notFound('Member', userId);
      if (outcome === 'last_owner') throw lastOwner(self ? 'leave' : 'be removed');
      await deps.bus?.publish('member.removed', workspaceId, { userId, role: before.role, left: self, by: actorRef(auth.actor) });
      log.info({ workspaceId, userId, role: before.role, left: self, by: actorRef(auth.actor) }, self ? 'member left' : 'member removed');
      return before;
    },
  };
}
export type Members = ReturnType<typeof createMembers>;
