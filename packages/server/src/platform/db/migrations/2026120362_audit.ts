import { sql, SqliteAdapter, type Kysely } from 'kysely';

/**
 * The audit trail (issue #16; features/audit/README.md): per workspace an append-only hash chain (`audit_entries`),
 * its head (`audit_heads`, locked by every append so two instances never fork the chain), signed checkpoints, and the
 * retention anchors (`audit_anchors`: the first kept seq and the hash it links to). The database refuses UPDATE and
 * DELETE on audit_entries, except a DELETE of rows below the workspace's anchor (retention prunes a prefix only) and
 * of the rows of a workspace that no longer exists (deleting a workspace deletes its chain, after the workspace row).
 * PostgreSQL also revokes UPDATE/DELETE/TRUNCATE from PUBLIC: that bites only when the app runs as a non-owner role.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_entries')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_kind', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_kind', 'text')
    .addColumn('target_id', 'text')
    .addColumn('before_json', 'text')
    .addColumn('after_json', 'text')
    .addColumn('request_id', 'text')
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_entries_pk', ['workspace_id', 'seq'])
    .execute();
  await db.schema.createIndex('audit_entries_ws_at').on('audit_entries').columns(['workspace_id', 'at']).execute();
  // The target filter, and the `before` of a change (the newest entry about the same target).
  await db.schema.createIndex('audit_entries_ws_target').on('audit_entries').columns(['workspace_id', 'target_kind', 'target_id', 'seq']).execute();
  await db.schema.createIndex('audit_entries_ws_actor').on('audit_entries').columns(['workspace_id', 'actor_kind', 'actor_id', 'seq']).execute();
  await db.schema.createIndex('audit_entries_ws_action').on('audit_entries').columns(['workspace_id', 'action', 'seq']).execute();
  await db.schema
    .createTable('audit_heads')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('head_hash', 'text', (c) => c.notNull())
    .addColumn('checkpoint_size', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('audit_anchors')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey())
    .addColumn('first_seq', 'integer', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('audit_checkpoints')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('head_hash', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_checkpoints_pk', ['workspace_id', 'size'])
    .execute();
  await createAuditTriggers(db);
}

/** The triggers that make audit_entries append-only (also used by the tamper test to put them back). */
export async function createAuditTriggers(db: Kysely<any>): Promise<void> {
  const pg = await isPostgres(db);
  if (!pg) {
    await sql`CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END`.execute(db);
    await sql`CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
      WHEN EXISTS (SELECT 1 FROM workspaces w WHERE w.id = OLD.workspace_id)
        AND NOT EXISTS (SELECT 1 FROM audit_anchors a WHERE a.workspace_id = OLD.workspace_id AND OLD.seq < a.first_seq)
      BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END`.execute(db);
    return;
  }
  await sql`CREATE OR REPLACE FUNCTION audit_entries_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND (NOT EXISTS (SELECT 1 FROM workspaces w WHERE w.id = OLD.workspace_id)
          OR EXISTS (SELECT 1 FROM audit_anchors a WHERE a.workspace_id = OLD.workspace_id AND OLD.seq < a.first_seq)) THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION 'audit_entries is append-only';
    END $$`.execute(db);
  await sql`CREATE TRIGGER audit_entries_guard BEFORE UPDATE OR DELETE ON audit_entries FOR EACH ROW EXECUTE FUNCTION audit_entries_guard()`.execute(db);
  await sql`CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_guard()`.execute(db);
  await sql`REVOKE UPDATE, DELETE, TRUNCATE ON audit_entries FROM PUBLIC`.execute(db);
}

/** Drops the append-only triggers (the tamper test only). */
export async function dropAuditTriggers(db: Kysely<any>): Promise<void> {
  if (!(await isPostgres(db))) {
    await sql`DROP TRIGGER IF EXISTS audit_entries_no_update`.execute(db);
    await sql`DROP TRIGGER IF EXISTS audit_entries_no_delete`.execute(db);
    return;
  }
  await sql`DROP TRIGGER IF EXISTS audit_entries_guard ON audit_entries`.execute(db);
  await sql`DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries`.execute(db);
}

async function isPostgres(db: Kysely<any>): Promise<boolean> {
  return !(db.getExecutor().adapter instanceof SqliteAdapter);
}

export async function down(db: Kysely<any>): Promise<void> {
  await dropAuditTriggers(db);
  if (await isPostgres(db)) await sql`DROP FUNCTION IF EXISTS audit_entries_guard()`.execute(db);
  for (const t of ['audit_checkpoints', 'audit_anchors', 'audit_heads', 'audit_entries']) await db.schema.dropTable(t).execute();
}
