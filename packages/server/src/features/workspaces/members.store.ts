import { sql } from 'kysely';
import type { Db } from '../../platform/db';
import type { MembershipsTable } from '../../platform/db/schema.people';

/** The outcome of a guarded membership change. */
export type GuardedOutcome = 'done' | 'gone' | 'last_owner';

/**
 * Queries for workspace memberships and the workspace rows they hang on (slugs, delete). Every membership query
 * takes the workspace id. Changes that could take away the last owner lock the workspace row first (a no-op update),
 * so two owners demoting or removing each other at once cannot both win.
 */
export function createMembersStore(db: Db) {
  const k = db.kysely;

  /** The workspace's owners other than `userId`, inside a transaction that locked the workspace row. */
  async function otherOwners(tx: typeof k, workspaceId: string, userId: string): Promise<number> {
    const r = await tx
      .selectFrom('memberships')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', workspaceId)
      .where('role', '=', 'owner')
      .where('user_id', '!=', userId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
  const lockWorkspace = (tx: typeof k, workspaceId: string) =>
    tx.updateTable('workspaces').set((eb) => ({ name: eb.ref('name') })).where('id', '=', workspaceId).execute();

  /** Every table with a workspace_id column (read from the catalog, so tables added later are covered too). */
  async function tenantTables(): Promise<string[]> {
    if (db.dialect === 'sqlite') {
      const r = await sql<{ name: string }>`select m.name as name from sqlite_master m where m.type = 'table' and exists (select 1 from pragma_table_info(m.name) p where p.name = 'workspace_id')`.execute(k);
      return r.rows.map((x) => x.name);
    }
    const r = await sql<{ name: string }>`select c.table_name as name from information_schema.columns c join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name where c.column_name = 'workspace_id' and c.table_schema = current_schema() and t.table_type = 'BASE TABLE'`.execute(k);
    return r.rows.map((x) => x.name);
  }

  return {
    tenantTables,
    workspaceBySlug: (slug: string) => k.selectFrom('workspaces').selectAll().where('slug', '=', slug).executeTakeFirst(),
    workspaceByName: (name: string) => k.selectFrom('workspaces').selectAll().where('name', '=', name).executeTakeFirst(),
    updateWorkspace: (id: string, set: { name?: string; slug?: string }) => k.updateTable('workspaces').set(set).where('id', '=', id).execute(),
    workspaceById: (id: string) => k.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst(),
    userByEmail: (email: string) => k.selectFrom('users').select(['id', 'email', 'name']).where('email', '=', email).executeTakeFirst(),
    /** Who created each of these invitations (`person:<id>`, `key:<id>`). */
    inviteCreators: (ids: string[]) => (ids.length ? k.selectFrom('invites').select(['id', 'created_by']).where('id', 'in', ids).execute() : Promise.resolve([])),
    keyNames: (ids: string[]) => (ids.length ? k.selectFrom('api_keys').select(['id', 'name']).where('id', 'in', ids).execute() : Promise.resolve([])),
    userById: (id: string) => k.selectFrom('users').select(['id', 'email', 'name', 'disabled_at']).where('id', '=', id).executeTakeFirst(),
    usersByIds: (ids: string[]) => (ids.length ? k.selectFrom('users').select(['id', 'name', 'email']).where('id', 'in', ids).execute() : Promise.resolve([])),

    /** The workspaces a person belongs to, with their role in each, oldest first. */
    workspacesOfUser: (userId: string) =>
      k
        .selectFrom('memberships')
        .innerJoin('workspaces', 'workspaces.id', 'memberships.workspace_id')
        .selectAll('workspaces')
        .select('memberships.role as role')
        .where('memberships.user_id', '=', userId)
        .orderBy('workspaces.created_at')
        .orderBy('workspaces.id')
        .execute(),

    membership: (workspaceId: string, userId: string) =>
      k.selectFrom('memberships').selectAll().where('workspace_id', '=', workspaceId).where('user_id', '=', userId).executeTakeFirst(),

    listMembers: (workspaceId: string) =>
      k
        .selectFrom('memberships')
        .innerJoin('users', 'users.id', 'memberships.user_id')
        .select(['memberships.user_id', 'memberships.role', 'memberships.created_at', 'memberships.added_by', 'users.name', 'users.email'])
        .where('memberships.workspace_id', '=', workspaceId)
        .orderBy('memberships.created_at')
        .orderBy('memberships.user_id')
        .execute(),

    /** Adds a membership; false when the person already is a member (the row is left as it is). */
    insertMembership: async (row: MembershipsTable): Promise<boolean> => {
      const r = await k
        .insertInto('memberships')
        .values(row)
        .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    /** Changes a member's role unless that demotes the workspace's last owner. */
    setRole: (workspaceId: string, userId: string, role: string) =>
      k.transaction().execute(async (tx): Promise<GuardedOutcome> => {
        await lockWorkspace(tx, workspaceId);
        const row = await tx.selectFrom('memberships').select('role').where('workspace_id', '=', workspaceId).where('user_id', '=', userId).executeTakeFirst();
        if (!row) return 'gone';
        if (row.role === 'owner' && role !== 'owner' && (await otherOwners(tx, workspaceId, userId)) === 0) return 'last_owner';
        await tx.updateTable('memberships').set({ role }).where('workspace_id', '=', workspaceId).where('user_id', '=', userId).execute();
        return 'done';
      }),

    /**
     * Removes a membership unless it is the workspace's last owner. The person's log-in sessions in this workspace
     * move to another workspace of theirs (the oldest membership), or end when they have none.
     */
    removeMember: (workspaceId: string, userId: string) =>
      k.transaction().execute(async (tx): Promise<GuardedOutcome> => {
        await lockWorkspace(tx, workspaceId);
        const row = await tx.selectFrom('memberships').select('role').where('workspace_id', '=', workspaceId).where('user_id', '=', userId).executeTakeFirst();
        if (!row) return 'gone';
        if (row.role === 'owner' && (await otherOwners(tx, workspaceId, userId)) === 0) return 'last_owner';
        await tx.deleteFrom('memberships').where('workspace_id', '=', workspaceId).where('user_id', '=', userId).execute();
        const next = await tx
          .selectFrom('memberships')
          .innerJoin('workspaces', 'workspaces.id', 'memberships.workspace_id')
          .select('memberships.workspace_id')
          .where('memberships.user_id', '=', userId)
          .orderBy('workspaces.created_at')
          .executeTakeFirst();
        const sessions = tx.updateTable('user_sessions').where('user_id', '=', userId).where('workspace_id', '=', workspaceId);
        if (next) await sessions.set({ workspace_id: next.workspace_id }).execute();
        else await tx.deleteFrom('user_sessions').where('user_id', '=', userId).where('workspace_id', '=', workspaceId).execute();
        return 'done';
      }),

    /**
     * Deletes a workspace and every row of every table that has its workspace_id (in one transaction). People's
     * log-in sessions in it move to another workspace of theirs first (the oldest membership), or end.
     */
    deleteWorkspace: async (workspaceId: string) => {
      const all = (await tenantTables()).filter((t) => t !== 'workspaces' && t !== 'user_sessions');
      // The audit chain goes last, once the workspace row is gone: its append-only trigger allows a DELETE only then.
      const tables = all.filter((t) => !t.startsWith('audit_'));
      const auditTables = all.filter((t) => t.startsWith('audit_'));
      await k.transaction().execute(async (tx) => {
        const sessions = await tx.selectFrom('user_sessions').select(['token_hash', 'user_id']).where('workspace_id', '=', workspaceId).execute();
        for (const userId of new Set(sessions.map((s) => s.user_id))) {
          const next = await tx
            .selectFrom('memberships')
            .innerJoin('workspaces', 'workspaces.id', 'memberships.workspace_id')
            .select('memberships.workspace_id')
            .where('memberships.user_id', '=', userId)
            .where('memberships.workspace_id', '!=', workspaceId)
            .orderBy('workspaces.created_at')
            .executeTakeFirst();
          if (next) await tx.updateTable('user_sessions').set({ workspace_id: next.workspace_id }).where('user_id', '=', userId).where('workspace_id', '=', workspaceId).execute();
        }
        await tx.deleteFrom('user_sessions').where('workspace_id', '=', workspaceId).execute();
        for (const t of tables) await sql`delete from ${sql.table(t)} where workspace_id = ${workspaceId}`.execute(tx);
        await tx.deleteFrom('workspaces').where('id', '=', workspaceId).execute();
        for (const t of auditTables) await sql`delete from ${sql.table(t)} where workspace_id = ${workspaceId}`.execute(tx);
      });
    },

    /** How many rows each tenant table still holds for a workspace (tests and the delete's check). */
    leftovers: async (workspaceId: string): Promise<Record<string, number>> => {
      const out: Record<string, number> = {};
      for (const t of await tenantTables()) {
        const r = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(t)} where workspace_id = ${workspaceId}`.execute(k);
        const n = Number(r.rows[0]?.n ?? 0);
        if (n > 0) out[t] = n;
      }
      const ws = await k.selectFrom('workspaces').select('id').where('id', '=', workspaceId).executeTakeFirst();
      if (ws) out.workspaces = 1;
      return out;
    },
  };
}
export type MembersStore = ReturnType<typeof createMembersStore>;
