import { randomUUID } from 'node:crypto';
import type { ApiKeyInfo, KeyLimitsBody, KeyUsage, Role, UpdateApiKeyBody } from '@autopilot/contracts';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../platform/errors';
import { isUniqueViolation } from '../../platform/db';
import { iso, type Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import type { AuthContext, KeyCheck } from '../../platform/http/types';
import type { ApiKeysTable } from '../../platform/db/schema';
import type { WorkspacesStore } from './workspaces.store';
import type { EventBus } from '../../platform/events/bus';
import { actorRef } from '../../platform/actor';
import type { WorkspaceInfo } from '@autopilot/contracts';
import type { MembersStore } from './members.store';
import { slugCandidates, slugOf } from './members.service';
import { authOf, displayPrefix, limitsOf, mintedIdOf, mintKey, sameDigest, scopesOf, type KeyHasher } from './keys';
import { scopeAllows } from '@autopilot/contracts';

/** The name the first start gives the default workspace (which is marked, so it can be renamed later). */
export const DEFAULT_WORKSPACE = 'default';
/** How long a verified key is trusted without a database read; revocation elsewhere takes at most this long. */
const AUTH_CACHE_MS = 10_000;
const TOUCH_EVERY_MS = 60_000;
const BOOTSTRAP_NAME = 'admin (AUTOPILOT_ADMIN_KEY)';
const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };
/** The furthest a key's expiry may be set ahead. */
const MAX_KEY_LIFETIME_MS = 5 * 366 * 86_400_000;

export interface WorkspacesDeps {
  store: WorkspacesStore;
  clock: Clock;
  log: Logger;
  /** HMACs under subkeys of the master key (keys.ts). */
  hasher: KeyHasher;
  /** Memberships and workspace slugs (people, issue #16); without it only keys see workspaces. */
  members?: MembersStore;
  bus?: EventBus;
  /** Requests a key made today (platform/http/key-limits.ts keeps the count); 0 without it. */
  requestsToday?: (keyId: string, limits: { ratePerMinute: number | null; requestsPerDay: number | null }) => Promise<number>;
}

/** The columns a limits body sets: only the fields it names (null clears one). */
function limitColumns(l: KeyLimitsBody | undefined): Partial<Pick<ApiKeysTable, 'rate_per_minute' | 'requests_per_day' | 'llm_usd_per_month'>> {
  const set: Partial<Pick<ApiKeysTable, 'rate_per_minute' | 'requests_per_day' | 'llm_usd_per_month'>> = {};
  if (!l) return set;
  if (l.ratePerMinute !== undefined) set.rate_per_minute = l.ratePerMinute;
  if (l.requestsPerDay !== undefined) set.requests_per_day = l.requestsPerDay;
  if (l.llmUsdPerMonth !== undefined) set.llm_usd_per_month = l.llmUsdPerMonth;
  return set;
}

const toInfo = (r: ApiKeysTable, creatorName?: (id: string) => string | undefined): ApiKeyInfo => {
  const by = r.created_by ? creatorName?.(r.created_by) : undefined;
  return {
    id: r.id,
    name: r.name,
    role: r.role as Role,
    publicId: r.public_id,
    prefix: r.prefix,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
    expiresAt: r.expires_at ?? null,
    createdBy: r.created_by && by !== undefined ? { id: r.created_by, name: by } : null,
    scopes: scopesOf(r.scopes),
    limits: limitsOf(r),
  };
};

/** Whether scope `wanted` grants nothing beyond `held`: `*` only under `*`, `r:*` under `r:*` or `*`, `r:v` under any of those. */
function scopeWithin(wanted: string, held: readonly string[]): boolean {
  if (wanted === '*') return held.includes('*');
  if (wanted.endsWith(':*')) return held.includes('*') || held.includes(wanted);
  return scopeAllows(held, wanted);
}

/**
 * The scopes a caller may give a key: within its own when it is scoped (asking for none, or null, inherits the
 * caller's), anything otherwise. Throws forbidden naming the scopes beyond the caller's.
 */
function scopesWithin(auth: AuthContext, scopes: string[] | null | undefined, verb: string): string[] | null | undefined {
  if (!auth.scopes) return scopes;
  const wanted = scopes ?? auth.scopes;
  const beyond = wanted.filter((w) => !scopeWithin(w, auth.scopes!));
  if (beyond.length) throw forbidden(`A key scoped to ${auth.scopes.join(', ')} cannot ${verb} ${beyond.join(', ')}`);
  return wanted;
}

/**
 * Who may manage a key of role `target`: admins manage members and viewers; owner and admin keys only owners.
 * Throws forbidden otherwise (the rule of issue #10: an admin cannot remove or mint the workspace's owners).
 */
export function assertMayManage(auth: AuthContext, target: Role, verb: 'create' | 'revoke' | 'change') {
  if (RANK[auth.role] < RANK.admin) throw forbidden(`Only admins and owners ${verb} keys`);
  if (RANK[target] >= RANK.admin && auth.role !== 'owner') throw forbidden(`Only owners ${verb} ${target} keys`);
}

/** Workspaces, API keys and authentication. Keys are random, shown once, stored as HMACs (keys.ts). */
export function createWorkspacesService(deps: WorkspacesDeps) {
  const { store, clock, log, hasher } = deps;
  const cache = new Map<string, { ctx: AuthContext; until: number; expiresAt: number | null }>();
  const touched = new Map<string, number>();
  // Skips the legacy lookup (one extra query per unknown key) once no first-wave row is left.
  let legacyRows = 1;

  /** Owners of the default workspace administer every workspace (create, list all). */
  async function ownsDefault(auth: AuthContext): Promise<boolean> {
    return auth.role === 'owner' && (await store.defaultWorkspace())?.id === auth.workspaceId;
  }

  /**
   * Inserts a workspace with a unique slug: the one asked for (409 naming `slug` when taken), or the name's
   * (`-2`, `-3` … on a collision). Names are unique too (409 naming `name`).
   */
  async function createWorkspaceRow(name: string, isDefault = false, wanted?: string) {
    const taken = async (slug: string) => !!(await deps.members?.workspaceBySlug(slug));
    if (deps.members && (await deps.members.workspaceByName(name))) throw conflict(`Workspace ${name} already exists`, { field: 'name' });
    if (wanted && (await taken(wanted))) throw conflict(`The slug ${wanted} is taken`, { field: 'slug' });
    const candidates = wanted ? [wanted] : slugCandidates(slugOf(name));
    for (const slug of candidates) {
      if (!wanted && (await taken(slug))) continue;
      const row = { id: randomUUID(), name, slug, created_at: iso(clock), is_default: isDefault ? 1 : 0 };
      try {
        await store.insertWorkspace(row);
        return row;
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        // Either the name or this slug was taken at the same moment.
        if (!deps.members || (await deps.members.workspaceByName(name))) throw conflict(`Workspace ${name} already exists`, { field: 'name' });
        if (wanted) throw conflict(`The slug ${wanted} is taken`, { field: 'slug' });
      }
    }
    throw conflict(`No free slug for ${name}: choose one`, { field: 'slug' });
  }

  /** A workspace as the caller sees it: their role in it (a person's membership, a key's own role). */
  async function infoOf(auth: AuthContext | null, w: { id: string; name: string; slug?: string | null; created_at: string; is_default: number }, role?: string | null): Promise<WorkspaceInfo> {
    let r: Role | null = (role as Role | null | undefined) ?? null;
    if (role === undefined && auth) {
      if (auth.userId) r = ((await deps.members?.membership(w.id, auth.userId))?.role as Role | undefined) ?? null;
      else r = w.id === auth.workspaceId ? auth.role : null;
    }
    return { id: w.id, name: w.name, slug: w.slug ?? '', createdAt: w.created_at, isDefault: Number(w.is_default) === 1, role: r, current: w.id === auth?.workspaceId };
  }

  async function issueKey(workspaceId: string, name: string, role: Role, presetKey?: string, extra: { expiresAt?: string | null; createdBy?: AuthContext; scopes?: string[] | null; limits?: KeyLimitsBody } = {}) {
    const minted = presetKey ? { id: hasher.idOf(presetKey), key: presetKey, prefix: displayPrefix(presetKey) } : mintKey();
    const row: ApiKeysTable = {
      id: randomUUID(),
      workspace_id: workspaceId,
      name,
      role,
      key_hash: hasher.hash(minted.key),
      prefix: minted.prefix,
      public_id: minted.id,
      hash_scheme: 'hmac',
      created_at: iso(clock),
      last_used_at: null,
      revoked_at: null,
      expires_at: extra.expiresAt ?? null,
      created_by: extra.createdBy?.keyId || null,
      scopes: extra.scopes ? JSON.stringify([...new Set(extra.scopes)]) : null,
      rate_per_minute: null,
      requests_per_day: null,
      llm_usd_per_month: null,
      ...limitColumns(extra.limits),
    };
    await store.insertKey(row);
    return { ...toInfo(row, () => extra.createdBy?.keyName), key: minted.key };
  }

  /** First-wave sha256 rows become HMAC(sha256) without knowing their keys; idempotent across instances. */
  async function rehashFirstWave() {
    for (const r of await store.rowsWithScheme('sha256')) {
      await store.rehashKey(r.id, r.key_hash, { key_hash: hasher.rehashLegacy(r.key_hash), hash_scheme: 'hmac-sha256' });
    }
    legacyRows = await store.countLegacyKeys();
  }

  async function check(key: string): Promise<KeyCheck> {
    const publicId = hasher.idOf(key);
    let row = await store.keyByPublicId(publicId);
    if (row && !sameDigest(hasher.hash(key), row.key_hash)) return { ok: false, reason: 'mismatch', keyId: mintedIdOf(key) };
    if (!row && legacyRows > 0) {
      const legacyHash = hasher.legacyHash(key);
      row = await store.legacyKeyByHash(legacyHash);
      if (row) {
        // The key was presented in clear: upgrade its row to the plain HMAC scheme with its (derived) public id.
        const upgrade = { key_hash: hasher.hash(key), hash_scheme: 'hmac', public_id: publicId, prefix: displayPrefix(key) };
        await store.rehashKey(row.id, legacyHash, upgrade).catch((err) => log.warn({ err, keyId: row?.id }, 'could not upgrade a first-wave key row'));
        row = { ...row, ...upgrade };
        legacyRows = Math.max(0, legacyRows - 1);
      }
    }
    if (!row) return { ok: false, reason: 'unknown_key', keyId: mintedIdOf(key) };
    if (row.revoked_at) return { ok: false, reason: 'revoked', keyId: row.public_id ?? undefined };
    if (row.expires_at && Date.parse(row.expires_at) <= clock.now()) return { ok: false, reason: 'expired', keyId: row.public_id ?? undefined };
    return {
      ok: true,
      auth: authOf(row, 'key'),
      expiresAt: row.expires_at ? Date.parse(row.expires_at) : null,
    };
  }

  function noteUse(keyId: string) {
    const now = clock.now();
    if ((touched.get(keyId) ?? 0) + TOUCH_EVERY_MS >= now) return;
    touched.set(keyId, now);
    store.touchKey(keyId, iso(clock)).catch((err) => log.warn({ err }, 'could not record key use'));
  }

  return {
    /**
     * Every start: make sure workspace `default` exists with an owner key, and re-hash first-wave key rows. With
     * AUTOPILOT_ADMIN_KEY that key is registered once; when it was revoked it stays revoked (the start warns).
     * Otherwise a new key is generated when the workspace has none, and returned so main can print it once. Safe
     * when several instances start together.
     */
    async bootstrap(adminKey?: string): Promise<{ workspaceId: string; generatedKey?: string }> {
      let ws = await store.defaultWorkspace();
      if (!ws) {
        try {
          ws = await createWorkspaceRow(DEFAULT_WORKSPACE, true);
        } catch (err) {
          // Another instance starting at the same moment created it (the name or the one-default index).
          if (!(err instanceof AppError && err.code === 'conflict') && !isUniqueViolation(err)) throw err;
          ws = await store.defaultWorkspace();
        }
      }
      if (!ws) throw new Error('default workspace could not be created');
      await rehashFirstWave();
      if (adminKey) {
        const found = await check(adminKey);
        if (!found.ok && found.reason === 'revoked') {
          log.warn({ keyId: found.keyId }, 'AUTOPILOT_ADMIN_KEY was revoked through the API and stays revoked: log in with another owner key, or set a new AUTOPILOT_ADMIN_KEY');
        } else if (!found.ok && found.reason === 'mismatch') {
          log.warn({ keyId: found.keyId }, 'AUTOPILOT_ADMIN_KEY has the public id of another key and was not registered: choose another value');
        } else if (!found.ok) {
          await issueKey(ws.id, BOOTSTRAP_NAME, 'owner', adminKey).catch((err) => {
            if (!isUniqueViolation(err)) throw err;
          });
        }
        return { workspaceId: ws.id };
      }
      if ((await store.countActiveKeys(ws.id)) === 0) {
        const created = await issueKey(ws.id, 'owner (first start)', 'owner');
        return { workspaceId: ws.id, generatedKey: created.key };
      }
      return { workspaceId: ws.id };
    },

    /** Checks a presented key: its context, or why it was refused (for the failure log). */
    async checkKey(key: string): Promise<KeyCheck> {
      const hash = hasher.hash(key);
      const now = clock.now();
      const hit = cache.get(hash);
      if (hit && hit.until > now && !(hit.expiresAt !== null && hit.expiresAt <= now)) return { ok: true, auth: hit.ctx };
      const result = await check(key);
      if (!result.ok) {
        cache.delete(hash);
        return result;
      }
      if (cache.size > 10_000) cache.clear();
      cache.set(hash, { ctx: result.auth, until: now + AUTH_CACHE_MS, expiresAt: result.expiresAt ?? null });
      noteUse(result.auth.keyId);
      return result;
    },

    /** Resolves a bearer key to its workspace and role, or null. */
    async authenticate(key: string): Promise<AuthContext | null> {
      const r = await this.checkKey(key);
      return r.ok ? r.auth : null;
    },

    async listKeys(workspaceId: string) {
      const rows = await store.listKeys(workspaceId);
      const names = new Map(rows.map((r) => [r.id, r.name]));
      return rows.map((r) => toInfo(r, (id) => names.get(id)));
    },

    /** Mints a key; owner and admin keys only by owners; an expiry, when given, in the future and at most 5 years ahead. */
    createKey(auth: AuthContext, name: string, role: Role, expiresAt?: string | null, scopes?: string[] | null, limits?: KeyLimitsBody) {
      assertMayManage(auth, role, 'create');
      // A scoped key mints only keys within its own scopes (an unscoped request inherits them): no escalation.
      scopes = scopesWithin(auth, scopes, 'mint a key with');
      let expiry: string | null = null;
      if (expiresAt) {
        const at = Date.parse(expiresAt);
        if (!(at > clock.now())) throw badRequest('expiresAt must be in the future', { field: 'expiresAt' });
        if (at - clock.now() > MAX_KEY_LIFETIME_MS) throw badRequest('expiresAt must be at most 5 years ahead', { field: 'expiresAt' });
        expiry = new Date(at).toISOString();
      }
      return issueKey(auth.workspaceId, name, role, undefined, { expiresAt: expiry, createdBy: auth, scopes, limits });
    },

    /**
     * Renames a key, changes its scopes or its limits (owner and admin keys only by owners; scopes never beyond the
     * caller's own, the rule of createKey). Another workspace's key: 404. Cached contexts are dropped so new limits
     * apply at once on this instance (other instances within AUTH_CACHE_MS).
     */
    async updateKey(auth: AuthContext, id: string, change: UpdateApiKeyBody): Promise<ApiKeyInfo> {
      const row = await store.keyById(auth.workspaceId, id);
      if (!row) throw notFound('API key', id);
      assertMayManage(auth, row.role as Role, 'change');
      const set: Parameters<WorkspacesStore['updateKey']>[2] = { ...limitColumns(change.limits) };
      if (change.name !== undefined) set.name = change.name;
      if (change.scopes !== undefined) {
        const scopes = scopesWithin(auth, change.scopes, 'give a key');
        set.scopes = scopes ? JSON.stringify([...new Set(scopes)]) : null;
      }
      if (Object.keys(set).length > 0) {
        await store.updateKey(auth.workspaceId, id, set);
        cache.clear();
        log.info({ keyId: row.public_id, by: actorRef(auth.actor), fields: Object.keys(set) }, 'API key changed');
      }
      const after = { ...row, ...set };
      const creator = row.created_by ? await store.keyById(auth.workspaceId, row.created_by) : undefined;
      return toInfo(after, () => creator?.name);
    },

    /** A key's requests today and LLM spend this month against its limits (another workspace's key: 404). */
    async keyUsage(auth: AuthContext, id: string): Promise<KeyUsage> {
      const row = await store.keyById(auth.workspaceId, id);
      if (!row) throw notFound('API key', id);
      const limits = limitsOf(row);
      const monthStart = `${iso(clock).slice(0, 7)}-01`;
      return {
        requestsToday: (await deps.requestsToday?.(row.id, limits)) ?? 0,
        requestsPerDay: limits.requestsPerDay,
        llmUsdThisMonth: await store.llmSpendOfKey(auth.workspaceId, row.id, monthStart),
        llmUsdPerMonth: limits.llmUsdPerMonth,
        sessionCreates: await store.sessionCreatesOfKey(auth.workspaceId, row.id),
        lastUsedAt: row.last_used_at,
      };
    },

    /** Revokes a key (its sessions too); owner and admin keys only by owners; never the last active owner key. */
    async revokeKey(auth: AuthContext, id: string) {
      const row = await store.keyById(auth.workspaceId, id);
      if (!row) throw notFound('API key', id);
      assertMayManage(auth, row.role as Role, 'revoke');
      const outcome = await store.revokeKey(auth.workspaceId, id, iso(clock));
      if (outcome === 'last_owner') throw conflict('This is the last active owner key of the workspace: mint another owner key first', { field: 'id' });
      cache.clear();
      log.info({ keyId: row.public_id, by: auth.keyPublicId, role: row.role }, 'API key revoked');
      const creator = row.created_by ? await store.keyById(auth.workspaceId, row.created_by) : undefined;
      return toInfo({ ...row, revoked_at: row.revoked_at ?? iso(clock) }, () => creator?.name);
    },

    /**
     * Creates a workspace. A signed-in person becomes its owner through a membership (no key is made); a key must
     * be an owner of the default workspace and gets the workspace's first owner key (shown once).
     */
    async createWorkspace(auth: AuthContext | null, name: string, slug?: string) {
      if (auth && !auth.userId && !(await ownsDefault(auth))) throw forbidden('Only owners of the default workspace can create workspaces');
      const ws = await createWorkspaceRow(name, false, slug);
      if (auth?.userId && deps.members) {
        await deps.members.insertMembership({ workspace_id: ws.id, user_id: auth.userId, role: 'owner', created_at: iso(clock), added_by: actorRef(auth.actor) });
        await deps.bus?.publish('member.added', ws.id, { userId: auth.userId, role: 'owner', via: 'create', by: actorRef(auth.actor) });
        log.info({ workspaceId: ws.id, slug: ws.slug, by: actorRef(auth.actor) }, 'workspace created');
        return { workspace: await infoOf(auth, ws, 'owner'), ownerKey: null };
      }
      const key = await issueKey(ws.id, 'owner', 'owner');
      log.info({ workspaceId: ws.id, slug: ws.slug, by: auth ? actorRef(auth.actor) : 'system:system' }, 'workspace created');
      return { workspace: await infoOf(auth, ws, null), ownerKey: key };
    },

    /**
     * The workspaces the caller can see: a person those they belong to (with their role in each); a key its own,
     * and every one for owners of the default workspace.
     */
    async listWorkspaces(auth: AuthContext): Promise<WorkspaceInfo[]> {
      if (auth.userId && deps.members) {
        const rows = await deps.members.workspacesOfUser(auth.userId);
        return Promise.all(rows.map((w) => infoOf(auth, w, w.role)));
      }
      if (!(await ownsDefault(auth))) {
        const own = await store.workspaceById(auth.workspaceId);
        return own ? [await infoOf(auth, own)] : [];
      }
      return Promise.all((await store.listWorkspaces()).map((w) => infoOf(auth, w)));
    },

    /** The workspace this request acts in (any other id: 404, so workspaces cannot be probed). */
    async getWorkspace(auth: AuthContext, id: string): Promise<WorkspaceInfo> {
      const ws = id === auth.workspaceId ? await store.workspaceById(id) : undefined;
      if (!ws) throw notFound('Workspace', id);
      return infoOf(auth, ws);
    },

    /**
     * Renames the caller's own workspace and/or changes its slug (admins and owners; the route's minRole). Names
     * and slugs are unique (409 naming `name` or `slug`). The slug does not follow a rename (links keep working).
     */
    async renameWorkspace(auth: AuthContext, id: string, change: { name?: string; slug?: string }) {
      const { name, slug } = change;
      if (id !== auth.workspaceId) throw notFound('Workspace', id);
      const ws = await store.workspaceById(id);
      if (!ws) throw notFound('Workspace', id);
      const set: { name?: string; slug?: string } = {};
      if (name !== undefined && name !== ws.name) set.name = name;
      if (slug !== undefined && slug !== ws.slug) set.slug = slug;
      if (!set.name && !set.slug) return infoOf(auth, ws);
      if (set.name && deps.members && (await deps.members.workspaceByName(set.name))) throw conflict(`Workspace ${set.name} already exists`, { field: 'name' });
      if (set.slug && deps.members && (await deps.members.workspaceBySlug(set.slug))) throw conflict(`The slug ${set.slug} is taken`, { field: 'slug' });
      try {
        if (deps.members) await deps.members.updateWorkspace(id, set);
        else if (set.name) await store.renameWorkspace(id, set.name);
      } catch (err) {
        if (isUniqueViolation(err)) throw set.slug && !set.name ? conflict(`The slug ${set.slug} is taken`, { field: 'slug' }) : conflict(`Workspace ${set.name ?? ''} or slug ${set.slug ?? ''} already exists`, { field: set.name ? 'name' : 'slug' });
        throw err;
      }
      // Cached key contexts carry the workspace's name.
      cache.clear();
      const after = { ...ws, ...set };
      log.info({ workspaceId: id, from: ws.name, to: after.name, slug: after.slug, by: actorRef(auth.actor) }, 'workspace renamed');
      await deps.bus?.publish('workspace.updated', id, { name: after.name, slug: after.slug ?? '', by: actorRef(auth.actor) });
      return infoOf(auth, after);
    },

    /**
     * Deletes the caller's workspace and everything in it (owners; the route's minRole). `confirm` must be its
     * slug (400 naming `query.confirm`); never the default workspace (409). People's log-in sessions in it move
     * to another workspace of theirs, or end.
     */
    async deleteWorkspace(auth: AuthContext, id: string, confirm: string) {
      if (id !== auth.workspaceId) throw notFound('Workspace', id);
      const ws = await store.workspaceById(id);
      if (!ws || !deps.members) throw notFound('Workspace', id);
      if (auth.role !== 'owner') throw forbidden('Only owners delete the workspace');
      if (Number(ws.is_default) === 1) throw conflict('The default workspace cannot be deleted', { field: 'id' });
      if (confirm !== ws.slug) throw badRequest(`To delete this workspace, confirm with its slug (${ws.slug ?? ''})`, { field: 'query.confirm' });
      await deps.members.deleteWorkspace(id);
      cache.clear();
      log.info({ workspaceId: id, slug: ws.slug, by: actorRef(auth.actor) }, 'workspace deleted');
      await deps.bus?.publish('workspace.deleted', id, { slug: ws.slug ?? '', by: actorRef(auth.actor) });
      return { id, slug: ws.slug ?? '', deleted: true as const };
    },
  };
}
export type WorkspacesService = ReturnType<typeof createWorkspacesService>;
