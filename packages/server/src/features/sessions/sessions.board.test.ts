import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BOARD_COLUMNS, boardColumnOf, isStuck, matchesBoardFilter, type BoardColumnId, type BoardCountsQuery, type SessionSummary } from '@autopilot/contracts';
import { createTestDb, testEngines, type TestDb } from '../../platform/db/testing';
import { createBoardStore } from './sessions.board.store';
import { createBoardService } from './sessions.board';
import { markStuck, seedSessions, seedWorkspace, stored } from './board.testing';

const WS = 'ws-board';
const N = 900;
const base: BoardCountsQuery = { archived: 'false', deleted: 'false' };

describe.each(testEngines())('board column pages and counts on %s', (engine) => {
  let t: TestDb;
  let board: ReturnType<typeof createBoardService>;
  const marks = new Map<string, string>();
  let early = 0;

  beforeAll(async () => {
    t = await createTestDb(engine);
    const acc = await seedWorkspace(t.db, WS);
    const rows = await seedSessions(t.db, WS, acc, N);
    // Another workspace's sessions must never show up or count.
    await seedSessions(t.db, 'ws-other', await seedWorkspace(t.db, 'ws-other'), 50);
    // Stuck marks: after the last activity (stuck), before it (not stuck), on a non-IN_PROGRESS session (not stuck).
    const inProgress = rows.filter((r) => r.state === 'IN_PROGRESS' && !r.archived && !r.deleted_at);
    for (const [j, r] of inProgress.slice(0, 12).entries()) {
      const last = r.last_activity_at ? Date.parse(r.last_activity_at.replace('000000Z', 'Z')) : Date.parse(r.update_time.replace('000000Z', 'Z'));
      const at = j % 3 === 2 ? last - 60_000 : last + 60_000;
      await markStuck(t.db, WS, r.id, at);
      marks.set(r.id, new Date(at).toISOString());
      if (r.last_activity_at && at < last) early++;
      // The rule itself: a mark before the last activity is not stuck, one with no activity at all is.
      expect(isStuck({ state: r.state, lastActivityAt: r.last_activity_at && new Date(last).toISOString() }, marks.get(r.id))).toBe(!(r.last_activity_at && at < last));
    }
    await markStuck(t.db, WS, rows.find((r) => r.state === 'FAILED')!.id, Date.parse('2026-12-01T00:00:00Z'));
    board = createBoardService(createBoardStore(t.db));
  }, 60_000);
  afterAll(async () => {
    await t?.cleanup();
  });

  /** Every page of one column. */
  const column = async (col: BoardColumnId, q: BoardCountsQuery = base, limit = 37) => {
    const out: SessionSummary[] = [];
    let cursor: string | undefined;
    do {
      const page = await board.list(WS, { ...q, column: col, limit, cursor });
      out.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return out;
  };

  const filters: Array<[string, BoardCountsQuery]> = [
    ['no filter', base],
    ['states', { ...base, state: 'IN_PROGRESS,FAILED,SOMETHING_NEW' }],
    ['source', { ...base, source: 'github/acme/web' }],
    ['text (case-insensitive, LIKE wildcards taken literally)', { ...base, text: '100%_SAFE' }],
    ['text in the title', { ...base, text: 'flaky' }],
  ];

  it('takes a repository in any spelling people type it (owner/repo, github/owner/repo, sources/github/owner/repo)', async () => {
    const spellings = ['acme/web', 'github/acme/web', 'sources/github/acme/web'];
    const counts = await Promise.all(spellings.map((source) => board.counts(WS, { ...base, source })));
    const totals = counts.map((c) => Object.values(c.columns).reduce((a, b) => a + b, 0));
    expect(totals[0]).toBeGreaterThan(0);
    expect(totals).toEqual([totals[0], totals[0], totals[0]]);
    expect((await column(BOARD_COLUMNS[0].id, { ...base, source: 'acme/web' })).length).toBe(counts[0].columns[BOARD_COLUMNS[0].id]);
  });

  it.each(filters)('counts equal what the column pages return, and each page follows the shared rule (%s)', async (_, q) => {
    const counts = await board.counts(WS, q);
    let total = 0;
    for (const c of BOARD_COLUMNS) {
      const items = await column(c.id, q);
      expect({ col: c.id, n: items.length }).toEqual({ col: c.id, n: counts.columns[c.id] });
      expect(new Set(items.map((s) => s.id)).size).toBe(items.length);
      for (const s of items) {
        expect(boardColumnOf(s, marks.get(s.id))).toBe(c.id);
        expect(matchesBoardFilter(s, { states: q.state?.split(','), source: q.source, text: q.text })).toBe(true);
        expect(s.archived || s.deleted).toBe(false);
      }
      const order = items.map((s) => `${s.updateTime}|${s.id}`);
      expect([...order].sort().reverse()).toEqual(order);
      total += items.length;
    }
    expect(counts.total).toBe(total);
    expect(total).toBeGreaterThan(0);
  });

  it('puts every live session of the workspace in exactly one column', async () => {
    const counts = await board.counts(WS, base);
    const live = await t.db.kysely.selectFrom('jules_sessions').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', WS).where('archived', '=', 0).where('deleted_at', 'is', null).executeTakeFirstOrThrow();
    expect(counts.total).toBe(Number(live.n));
    // Marks before the last activity and the mark on a FAILED session do not count.
    expect(early).toBeGreaterThan(0);
    expect(counts.columns.stuck).toBe(12 - early);
    expect(counts.columns.queued).toBeGreaterThan(counts.columns.approval); // QUEUED, PLANNING and the unknown state
    expect(counts.sources).toEqual(['sources/github/acme/api', 'sources/github/acme/web']);
  });

  it('keyset paging returns every row that stays in the column exactly once while others change column between pages', async () => {
    const before = await column('completed', base, 1000);
    const stay = new Set(before.map((s) => s.id));
    const seen: string[] = [];
    let cursor: string | undefined;
    let now = Date.parse('2026-11-30T13:00:00Z');
    for (let p = 0; ; p++) {
      const page = await board.list(WS, { ...base, column: 'completed', limit: 9, cursor });
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor ?? undefined;
      if (!cursor) break;
      // Between pages: one row not read yet leaves for Running, and one Failed row arrives (newest, so before the cursor).
      const unread = before.filter((s) => !seen.includes(s.id) && stay.has(s.id));
      const leaving = unread[(p * 7) % Math.max(1, unread.length)];
      if (leaving) {
        stay.delete(leaving.id);
        await t.db.kysely.updateTable('jules_sessions').set({ state: 'IN_PROGRESS', update_time: stored((now += 1000)) }).where('id', '=', leaving.id).execute();
      }
      await t.db.kysely.updateTable('jules_sessions').set({ state: 'COMPLETED', update_time: stored((now += 1000)) }).where('id', '=', (await column('failed', base, 500))[0].id).execute();
    }
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of stay) expect(seen.filter((x) => x === id)).toHaveLength(1);
    expect(stay.size).toBeLessThan(before.length);
  });

  it('a column page is a range scan of the board index, in index order (EXPLAIN)', async () => {
    const q = createBoardStore(t.db).page(WS, { archived: 'false', includeDeleted: false }, { column: 'completed' }, 51, { u: stored(Date.parse('2026-11-30T11:50:00Z')), i: 'zzz' }).compile();
    if (engine === 'sqlite') {
      const plan = (await t.db.kysely.executeQuery<{ detail: string }>({ ...q, sql: `explain query plan ${q.sql}` })).rows.map((r) => r.detail).join('\n');
      expect(plan).toMatch(/USING INDEX jules_sessions_board/);
      expect(plan).not.toMatch(/TEMP B-TREE/);
    } else {
      // A few hundred rows would make a sequential scan cheapest: forbid it, so the plan shows whether the index
      // alone can serve the page in order (no Sort node), which is what 100,000 rows need.
      const plan = await t.db.kysely.connection().execute(async (c) => {
        await sql`set enable_seqscan = off`.execute(c);
        await sql`set enable_bitmapscan = off`.execute(c);
        const r = await c.executeQuery<{ 'QUERY PLAN': string }>({ ...q, sql: `explain ${q.sql}` });
        await sql`reset all`.execute(c);
        return r.rows.map((x) => x['QUERY PLAN']).join('\n');
      });
      expect(plan).toMatch(/Index (Only )?Scan( Backward)? using jules_sessions_board/);
      expect(plan).not.toMatch(/Sort/);
    }
  });
});
