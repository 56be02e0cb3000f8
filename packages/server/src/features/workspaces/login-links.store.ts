import type { Db } from '../../platform/db';
import type { LoginLinksTable } from '../../platform/db/schema';

/** Queries for one-click log-in links. Rows hold the token's HMAC only. */
export function createLoginLinksStore(db: Db) {
  const k = db.kysely;
  return {
    insert: (row: LoginLinksTable) => k.insertInto('login_links').values({ ...row, used_at: null }).execute(),
    /**
     * Redeems a link: marks it used if it is unused and unexpired, in one conditional UPDATE (two instances or two
     * clicks racing: exactly one wins), then returns the workspace and key it stands for while that key is active.
     */
    async redeem(tokenHash: string, now: number): Promise<{ workspaceId: string; keyId: string } | null> {
      const r = await k
        .updateTable('login_links')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return null;
      const row = await k
        .selectFrom('login_links')
        .innerJoin('api_keys', 'api_keys.id', 'login_links.key_id')
        .select(['login_links.workspace_id', 'login_links.key_id'])
        .where('login_links.token_hash', '=', tokenHash)
        .where('api_keys.revoked_at', 'is', null)
        .executeTakeFirst();
      return row ? { workspaceId: row.workspace_id, keyId: row.key_id } : null;
    },
    /** Used links and links expired before `now` (kept a while for nothing: a used token is refused either way). */
    deleteStale: (now: number) =>
      k
        .deleteFrom('login_links')
        .where((eb) => eb.or([eb('expires_at', '<=', now), eb('used_at', 'is not', null)]))
        .execute(),
    /** The oldest active owner key of a workspace: whom the start-up banner's link logs in. */
    firstOwnerKey: (workspaceId: string) =>
      k
        .selectFrom('api_keys')
        .select(['id', 'name'])
        .where('workspace_id', '=', workspaceId)
        .where('role', '=', 'owner')
        .where('revoked_at', 'is', null)
        .orderBy('created_at')
        .orderBy('id')
        .limit(1)
        .executeTakeFirst(),
  };
}
export type LoginLinksStore = ReturnType<typeof createLoginLinksStore>;
