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
     * Marks a pending, unexpired invitation accepted by `userId` and adds the membership, in one transaction: the
     * conditional UPDATE makes a token single use (two accepts at once: one wins, the other waits for its commit and
     * finds it used). An existing member keeps the higher of their role and the invited one. Null when it was not
     * pending.
     */
    acceptInto: (id: string, workspaceId: string, userId: string, role: string, at: string, now: number, higherRoles: string[]) =>
      k.transaction().execute(async (tx) => {
        const r = await tx
          .updateTable('invites')
          .set({ accepted_at: at, accepted_by: userId })
          .where('id', '=', id)
          .where('accepted_at', 'is', null)
          .where('revoked_at', 'is', null)
          .where('expires_at', '>', now)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) === 0) return null;
        const before = await tx.selectFrom('memberships').select('role').where('workspace_id', '=', workspaceId).where('user_id', '=', userId).executeTakeFirst();
        if (!before) {
          await tx.insertInto('memberships').values({ workspace_id: workspaceId, user_id: userId, role, created_at: at, added_by: `invite:${id}` }).execute();
          return { added: true, before: null, role };
        }
        if (higherRoles.includes(before.role)) return { added: false, before: before.role, role: before.role };
        if (before.role !== role) await tx.updateTable('memberships').set({ role }).where('workspace_id', '=', workspaceId).where('user_id', '=', userId).execute();
        return { added: false, before: before.role, role };
      }),
  };
}
export type InvitesStore = ReturnType<typeof createInvitesStore>;
