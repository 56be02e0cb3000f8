import { randomToken } from '../../platform/crypto';
import type { Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import type { AuthContext } from '../../platform/http/types';
import type { WorkspacesStore } from './workspaces.store';
import { authOf, type KeyHasher } from './keys';

export interface LoginSessionsDeps {
  store: WorkspacesStore;
  clock: Clock;
  log: Logger;
  hasher: KeyHasher;
  ttlMs: number;
  /** People's sessions (table user_sessions): a cookie that is no key session is looked up there. */
  people?: { resolve(token: string): Promise<(AuthContext & { expiresAt: number }) | null>; close(token: string): Promise<unknown> };
}

/**
 * Dashboard log-in sessions: an API key is exchanged once for an opaque random token (the HttpOnly cookie), stored
 * only as its HMAC with an expiry and the key it stands for. Revoking the key deletes its sessions, and every
 * lookup also requires the key to be active, so a revoked key's cookie stops working at once.
 */
export function createLoginSessions(deps: LoginSessionsDeps) {
  const { store, clock, hasher } = deps;
  let lastSweep = 0;
  return {
    /** Opens a session for an authenticated key: the token (cookie value), its CSRF token and expiry. */
    async open(auth: Pick<AuthContext, 'workspaceId' | 'keyId'>): Promise<{ token: string; csrf: string; expiresAt: number }> {
      const token = randomToken(32);
      const now = clock.now();
      const expiresAt = now + deps.ttlMs;
      await store.insertSession({
        token_hash: hasher.sessionHash(token),
        workspace_id: auth.workspaceId,
        key_id: auth.keyId,
        created_at: new Date(now).toISOString(),
        expires_at: expiresAt,
      });
      // Expired rows are dropped now and then, not on every request.
      if (now - lastSweep > 3_600_000) {
        lastSweep = now;
        store.deleteExpiredSessions(now).catch((err) => deps.log.warn({ err }, 'could not drop expired log-in sessions'));
      }
      return { token, csrf: hasher.csrfFor(token), expiresAt };
    },

    /**
     * The context a session cookie stands for, or null (unknown, expired, its key revoked; for a person: disabled or
     * no longer a member of the session's workspace). Key sessions first, then people's.
     */
    async resolve(token: string): Promise<(AuthContext & { expiresAt: number }) | null> {
      const row = await store.sessionByHash(hasher.sessionHash(token), clock.now());
      if (!row) return (await deps.people?.resolve(token)) ?? null;
      return { ...authOf(row, 'session'), expiresAt: Number(row.session_expires_at) };
    },

    /** The CSRF token a cookie-authenticated write must echo in X-CSRF-Token. */
    csrfFor: (token: string) => hasher.csrfFor(token),

    /** Ends the session of this cookie, a key's or a person's. */
    async close(token: string): Promise<void> {
      await store.deleteSession(hasher.sessionHash(token));
      await deps.people?.close(token);
    },
  };
}
export type LoginSessions = ReturnType<typeof createLoginSessions>;
