import { randomUUID } from 'node:crypto';
import type { ApiKeyInfo, Role } from '@autopilot/contracts';
import { randomToken, sha256 } from '../../platform/crypto';
import { AppError, conflict, forbidden, notFound } from '../../platform/errors';
import { isUniqueViolation } from '../../platform/db';
import type { Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import type { AuthContext } from '../../platform/http/types';
import type { ApiKeysTable } from '../../platform/db/schema';
import type { WorkspacesStore } from './workspaces.store';

export const DEFAULT_WORKSPACE = 'default';
/** How long a verified key is trusted without a database read; revocation elsewhere takes at most this long. */
const AUTH_CACHE_MS = 10_000;
const TOUCH_EVERY_MS = 60_000;

export interface WorkspacesDeps {
  store: WorkspacesStore;
  clock: Clock;
  log: Logger;
}

const toInfo = (r: ApiKeysTable): ApiKeyInfo => ({
  id: r.id,
  name: r.name,
  role: r.role as Role,
  prefix: r.prefix,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

/** Workspaces, API keys and authentication. Keys are random, shown once, stored as SHA-256 hashes. */
export function createWorkspacesService(deps: WorkspacesDeps) {
  const { store, clock, log } = deps;
  const cache = new Map<string, { ctx: AuthContext; until: number }>();
  const touched = new Map<string, number>();
  const iso = () => new Date(clock.now()).toISOString();

  async function createWorkspaceRow(name: string) {
    const row = { id: randomUUID(), name, created_at: iso() };
    try {
      await store.insertWorkspace(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`Workspace ${name} already exists`, { field: 'name' });
      throw err;
    }
    return row;
  }

  async function issueKey(workspaceId: string, name: string, role: Role, presetKey?: string) {
    const key = presetKey ?? `ap_${randomToken(32)}`;
    const row: ApiKeysTable = {
      id: randomUUID(),
      workspace_id: workspaceId,
      name,
      role,
      key_hash: sha256(key),
      prefix: key.slice(0, 10),
      created_at: iso(),
      last_used_at: null,
      revoked_at: null,
    };
    await store.insertKey(row);
    return { ...toInfo(row), key };
  }

  return {
    /**
     * First start: make sure workspace `default` exists with an owner key. With AUTOPILOT_ADMIN_KEY that key is
     * registered; otherwise a new key is generated when the workspace has none, and returned so main can print it
     * once. Safe when several instances start together.
     */
    async bootstrap(adminKey?: string): Promise<{ workspaceId: string; generatedKey?: string }> {
      let ws = await store.workspaceByName(DEFAULT_WORKSPACE);
      if (!ws) {
        try {
          ws = await createWorkspaceRow(DEFAULT_WORKSPACE);
        } catch (err) {
          if (!(err instanceof AppError && err.code === 'conflict')) throw err;
          ws = await store.workspaceByName(DEFAULT_WORKSPACE);
        }
      }
      if (!ws) throw new Error('default workspace could not be created');
      if (adminKey) {
        if (!(await store.keyByHash(sha256(adminKey)))) {
          await issueKey(ws.id, 'admin (AUTOPILOT_ADMIN_KEY)', 'owner', adminKey).catch((err) => {
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

    /** Resolves a bearer key to its workspace and role, or null. */
    async authenticate(key: string): Promise<AuthContext | null> {
      const hash = sha256(key);
      const now = clock.now();
      const hit = cache.get(hash);
      if (hit && hit.until > now) return hit.ctx;
      const row = await store.keyByHash(hash);
      if (!row || row.revoked_at) {
        cache.delete(hash);
        return null;
      }
      const ctx: AuthContext = {
        workspaceId: row.workspace_id,
        workspaceName: row.workspace_name,
        keyId: row.id,
        keyName: row.name,
        keyPrefix: row.prefix,
        role: row.role as Role,
      };
      if (cache.size > 10_000) cache.clear();
      cache.set(hash, { ctx, until: now + AUTH_CACHE_MS });
      if ((touched.get(row.id) ?? 0) + TOUCH_EVERY_MS < now) {
        touched.set(row.id, now);
        store.touchKey(row.id, iso()).catch((err) => log.warn({ err }, 'could not record key use'));
      }
      return ctx;
    },

    listKeys: async (workspaceId: string) => (await store.listKeys(workspaceId)).map(toInfo),
    createKey: (workspaceId: string, name: string, role: Role) => issueKey(workspaceId, name, role),

    async revokeKey(auth: AuthContext, id: string) {
      const row = await store.keyById(auth.workspaceId, id);
      if (!row) throw notFound('API key', id);
      if (row.id === auth.keyId) throw conflict('A key cannot revoke itself', { field: 'id' });
      await store.revokeKey(auth.workspaceId, id, iso());
      cache.clear();
      return toInfo({ ...row, revoked_at: row.revoked_at ?? iso() });
    },

    /** Creates a workspace and its first owner key. Only owners of the default workspace administer workspaces. */
    async createWorkspace(auth: AuthContext | null, name: string) {
      if (auth && !(auth.workspaceName === DEFAULT_WORKSPACE && auth.role === 'owner')) throw forbidden('Only owners of the default workspace can create workspaces');
      const ws = await createWorkspaceRow(name);
      const key = await issueKey(ws.id, 'owner', 'owner');
      return { workspace: { id: ws.id, name: ws.name, createdAt: ws.created_at }, ownerKey: key };
    },

    async listWorkspaces(auth: AuthContext) {
      if (!(auth.workspaceName === DEFAULT_WORKSPACE && auth.role === 'owner')) {
        return [{ id: auth.workspaceId, name: auth.workspaceName }];
      }
      return (await store.listWorkspaces()).map((w) => ({ id: w.id, name: w.name }));
    },
  };
}
export type WorkspacesService = ReturnType<typeof createWorkspacesService>;
