import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type CompiledQuery } from 'kysely';
import { createTestDb, testEngines, type TestDb } from '../../platform/db/testing';
import { seedSessions, seedWorkspace } from './board.testing';
import { SUMMARY_COLUMNS } from './sessions.store';

/*
 * The keyset scans the mirror and the keeper run every poll over every session (sessions.store.ts: `index`,
 * `signatures`, `summaries`) must be range scans of an index ending in id (migration 2026120190). Without one,
 * SQLite sorted every session of the account in a temporary B-tree for each page: 300-400 ms a page at 100,000.
 */
const WS = 'ws-plans';

describe.each(testEngines())('session keyset scans use an index on %s (EXPLAIN)', (engine) => {
  let t: TestDb;
  let account: string;
  beforeAll(async () => {
    t = await createTestDb(engine);
    account = await seedWorkspace(t.db, WS);
    await seedSessions(t.db, WS, account, 300);
    // PostgreSQL plans from statistics (autovacuum keeps them in production): without them it guesses one row.
    if (engine !== 'sqlite') await sql`analyze jules_sessions`.execute(t.db.kysely);
  }, 60_000);
  afterAll(async () => {
    await t?.cleanup();
  });

  async function plan(q: CompiledQuery): Promise<string> {
    if (engine === 'sqlite') return (await t.db.kysely.executeQuery<{ detail: string }>({ ...q, sql: `explain query plan ${q.sql}` })).rows.map((r) => r.detail).join('\n');
    // A few hundred rows make a sequential scan cheapest: forbid it, so the plan shows whether an index can serve
    // the page in order, which is what 100,000 rows need.
    return t.db.kysely.connection().execute(async (c) => {
      await sql`set enable_seqscan = off`.execute(c);
      await sql`set enable_bitmapscan = off`.execute(c);
      const r = await c.executeQuery<{ 'QUERY PLAN': string }>({ ...q, sql: `explain ${q.sql}` });
      await sql`reset all`.execute(c);
      return r.rows.map((x) => x['QUERY PLAN']).join('\n');
    });
  }
  const inOrder = (p: string, index: string) => {
    if (engine === 'sqlite') {
      expect(p).toMatch(new RegExp(`USING (COVERING )?INDEX ${index}`));
      expect(p).not.toMatch(/TEMP B-TREE/);
    } else {
      // With one workspace in the table the primary key in order, filtered, is as good: either way no Sort.
      expect(p).toMatch(new RegExp(`Index (Only )?Scan using (${index}|jules_sessions_pkey)`));
      expect(p).not.toMatch(/Sort/);
    }
  };
  const k = () => t.db.kysely;

  it("the mirror's index of an account pages by id in index order", async () => {
    const q = k().selectFrom('jules_sessions').select(['id', 'jules_id', 'state', 'update_time', 'archived', 'deleted_at', 'activities_synced_update_time', 'activity_count'])
      .where('account_id', '=', account).where('id', '>', '').orderBy('id').limit(2000).compile();
    inOrder(await plan(q), 'jules_sessions_account_id');
  });

  it("the keeper's signatures of a workspace page by id in index order", async () => {
    const q = k().selectFrom('jules_sessions').select(['id', 'state', 'update_time', 'archived', 'activity_count', 'deleted_at'])
      .where('workspace_id', '=', WS).where('deleted_at', 'is', null).where('id', '>', '').orderBy('id').limit(5000).compile();
    inOrder(await plan(q), 'jules_sessions_ws_id');
  });

  it("the keeper's summaries of chosen sessions are lookups, not a scan of the workspace", async () => {
    const q = k().selectFrom('jules_sessions').select(SUMMARY_COLUMNS).where('workspace_id', '=', WS).where('id', 'in', ['a', 'b', 'c']).compile();
    const p = await plan(q);
    if (engine === 'sqlite') expect(p).toMatch(/USING INDEX (jules_sessions_ws_id|sqlite_autoindex_jules_sessions_1) \((workspace_id=\? AND )?id=\?\)/);
    else expect(p).toMatch(/Index (Only )?Scan using (jules_sessions_ws_id|jules_sessions_pkey)/);
  });
});
