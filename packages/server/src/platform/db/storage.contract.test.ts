import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDb, requirePostgresInCi, testEngines, type TestDb } from './testing';
import { integrityCheck, isUniqueViolation } from './index';
import { createWorkspacesStore } from '../../features/workspaces/workspaces.store';

requirePostgresInCi();

/** One set of storage cases, run on every engine: the Kysely queries must behave alike on SQLite and PostgreSQL. */
for (const engine of testEngines()) {
  describe(`storage contract on ${engine}`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await createTestDb(engine);
    });
    afterAll(async () => t?.cleanup());

    it('applies every migration and records it', async () => {
      const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(t.db.kysely);
      expect(rows.rows.map((r) => r.name)).toContain('2026112301_platform_base');
      expect(await t.db.ping()).toBeGreaterThanOrEqual(0);
    });

    it('stores and reads workspaces and keys, scoped by workspace', async () => {
      const s = createWorkspacesStore(t.db);
      await s.insertWorkspace({ id: 'w1', name: 'one', created_at: '2026-01-01T00:00:00.000Z' });
      await s.insertWorkspace({ id: 'w2', name: 'two', created_at: '2026-01-02T00:00:00.000Z' });
      const key = { name: 'k', role: 'owner', prefix: 'ap_x', created_at: '2026-01-01T00:00:00.000Z', last_used_at: null, revoked_at: null, hash_scheme: 'hmac' };
      await s.insertKey({ ...key, id: 'k1', workspace_id: 'w1', key_hash: 'h1', public_id: 'p1' });
      await s.insertKey({ ...key, id: 'k2', workspace_id: 'w2', key_hash: 'h2', public_id: 'p2' });
      expect((await s.keyByPublicId('p2'))?.workspace_name).toBe('two');
      expect((await s.listKeys('w1')).map((k) => k.id)).toEqual(['k1']);
      expect(await s.keyById('w1', 'k2')).toBeUndefined();
      expect(await s.countActiveKeys('w1')).toBe(1);
      // The last active owner key stays; a member key goes.
      expect(await s.revokeKey('w1', 'k1', '2026-01-03T00:00:00.000Z')).toBe('last_owner');
      await s.insertKey({ ...key, role: 'member', id: 'k3', workspace_id: 'w1', key_hash: 'h3', public_id: 'p3' });
      expect(await s.revokeKey('w1', 'k3', '2026-01-03T00:00:00.000Z')).toBe('revoked');
      expect(await s.countActiveKeys('w1')).toBe(1);
    });

    it('reports unique violations the same way on both engines', async () => {
      const s = createWorkspacesStore(t.db);
      let caught: unknown;
      try {
        await s.insertWorkspace({ id: 'w3', name: 'one', created_at: '2026-01-01T00:00:00.000Z' });
      } catch (err) {
        caught = err;
      }
      expect(isUniqueViolation(caught)).toBe(true);
    });

    it('round-trips epoch milliseconds in bigint columns as numbers', async () => {
      const ms = 1_790_000_000_123;
      await t.db.kysely.insertInto('kv').values({ key: 'k', value: 'v', updated_at: ms }).execute();
      const row = await t.db.kysely.selectFrom('kv').selectAll().where('key', '=', 'k').executeTakeFirstOrThrow();
      expect(row.updated_at).toBe(ms);
      expect(typeof row.updated_at).toBe('number');
    });

    it('passes the integrity check', async () => {
      expect(await integrityCheck(t.db)).toBe('ok');
    });
  });
}
