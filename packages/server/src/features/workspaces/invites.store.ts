import type { Db } from '../../platform/db';
import type { InvitesTable } from '../../platform/db/schema.people';

/** Queries for workspace invitations. Rows hold the token's HMAC only, never the token. */
export function createInvitesStore(db: Db) {
  const k = db.kysely;
  return {
    insert: (row: InvitesTable) => k.insertInto('invites').values(row).execute(),
    /** A workspace's invitations, newest first. */
    list: (workspaceId: string) => k.selectFrom('invites').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(500).execute(),
    byId: (workspaceId: string, id: string) => k.selectFrom('invites').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst(),
    /** An invitation by its token's HMAC, joined with its workspace's name and slug. */
    byHash: (tokenHash: string) =>
      k
        .selectFrom('invites')
        .innerJoin('workspaces', 'workspaces.id', 'invites.workspace_id')
        .selectAll('invites')
        .select(['workspaces.name as workspace_name', 'workspaces.slug as workspace_slug'])
        .where('invites.token_hash', '=', tokenHash)
        .executeTakeFirst(),
    /** Revokes a pending invitation; false when it was not pending any more. */
    revoke: async (workspaceId: string, id: string, at: string) => {
      const r = await k
        .updateTable('invites')
        .set({ revoked_at: at })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .where('accepted_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    /**
     * Marks a pending, unexpired invitation accepted by `userId`: the one conditional UPDATE that makes a token
     * single use (two accepts at once: one wins). False when it was not pending.
     */
    markAccepted: async (id: string, userId: string, at: string, now: number) => {
      const r = await k
        .updateTable('invites')
        .set({ accepted_at: at, accepted_by: userId })
        .where('id', '=', id)
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
  };
}
export type InvitesStore = ReturnType<typeof createInvitesStore>;
