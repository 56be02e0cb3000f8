import { randomToken } from '../../platform/crypto';
import type { Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import type { KeyHasher } from './keys';
import type { LoginLinksStore } from './login-links.store';

/** How long a one-click log-in link works (and it works once). */
export const LOGIN_LINK_TTL_MS = 10 * 60_000;
/** Where a link points: `/login/<token>` on the orchestrator's origin. */
export const LOGIN_LINK_PREFIX = '/login/';

export interface LoginLinksDeps {
  store: LoginLinksStore;
  clock: Clock;
  log: Logger;
  hasher: KeyHasher;
  /** The workspace whose owner the start-up banner's link logs in (the default workspace). */
  ownerWorkspaceId: string;
  ttlMs?: number;
}

/**
 * One-click log-in links for the dashboard: a random 256-bit token, valid for ten minutes and once, that stands
 * for one API key. Opening `/login/<token>` opens the same login session as `POST /api/auth/session` with that
 * key (the key itself never travels in a URL). Tokens are stored only as their HMAC, in the database, so every
 * instance on it honours them.
 */
export function createLoginLinks(deps: LoginLinksDeps) {
  const { store, clock, hasher } = deps;
  const ttlMs = deps.ttlMs ?? LOGIN_LINK_TTL_MS;
  let lastSweep = 0;
  return {
    ttlMs,
    /** A new link for the key `keyId` of `workspaceId`: the token, the path to open, and when it stops working. */
    async mint(workspaceId: string, keyId: string): Promise<{ token: string; path: string; expiresAt: number }> {
      const token = randomToken(32);
      const now = clock.now();
      const expiresAt = now + ttlMs;
      await store.insert({ token_hash: hasher.linkHash(token), workspace_id: workspaceId, key_id: keyId, created_at: new Date(now).toISOString(), expires_at: expiresAt, used_at: null });
      if (now - lastSweep > 3_600_000) {
        lastSweep = now;
        store.deleteStale(now).catch((err) => deps.log.warn({ err }, 'could not drop used or expired log-in links'));
      }
      return { token, path: `${LOGIN_LINK_PREFIX}${token}`, expiresAt };
    },

    /** A link for the default workspace's oldest active owner key (the start-up banner's), or null when it has none. */
    async mintForOwner() {
      const owner = await store.firstOwnerKey(deps.ownerWorkspaceId);
      return owner ? this.mint(deps.ownerWorkspaceId, owner.id) : null;
    },

    /** Redeems a token once: the workspace and key it stands for, or null (unknown, expired, used, or its key revoked). */
    async redeem(token: string): Promise<{ workspaceId: string; keyId: string } | null> {
      if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
      return store.redeem(hasher.linkHash(token), clock.now());
    },
  };
}
export type LoginLinks = ReturnType<typeof createLoginLinks>;
