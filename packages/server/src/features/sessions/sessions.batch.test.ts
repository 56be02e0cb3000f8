import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { JulesSession } from '../../integrations/jules';
import { createTestDb, testEngines, type TestDb } from '../../platform/db/testing';
import { createMemoryBus } from '../../platform/events/bus';
import { systemClock } from '../../platform/clock';
import { createSessionsStore } from './sessions.store';
import { upsertPage, upsertSession } from './sessions.upsert';

const WS = 'ws-b';
const ACC = 'acc-b';
const wire = (id: string, state = 'IN_PROGRESS', updateTime = '2026-01-01T00:00:00Z'): JulesSession =>
  ({ id, name: `sessions/${id}`, title: `t ${id}`, prompt: 'p', state, createTime: '2026-01-01T00:00:00Z', updateTime }) as JulesSession;

describe.each(testEngines())('mirror page writes on %s', (engine) => {
  let t: TestDb;
  let store: ReturnType<typeof createSessionsStore>;
  const bus = createMemoryBus({ replay: 100 });
  const events: string[] = [];
  bus.subscribe((e) => events.push(`${e.type}:${(e.data as { julesId?: string }).julesId}`));
  const deps = () => ({ store, bus, clock: systemClock });

  beforeAll(async () => {
    t = await createTestDb(engine);
    store = createSessionsStore(t.db);
    const now = new Date().toISOString();
    await t.db.kysely.insertInto('workspaces').values({ id: WS, name: 'b', created_at: now }).execute();
    await t.db.kysely
      .insertInto('jules_accounts')
      .values({ id: ACC, workspace_id: WS, name: 'b', origin: 'api', api_key_sealed: 'x', key_last4: 'xxxx', base_url: null, created_at: now } as never)
      .execute();
  }, 60_000);
  afterAll(async () => t?.cleanup());

  it('a page of new sessions lands in one write, and a session another writer inserted first is updated, not duplicated', async () => {
    // Another writer (a create's refresh, say) inserted s2 with an older state after this poll read its index.
    await upsertSession(deps(), { accountId: ACC, workspaceId: WS, backfill: false }, wire('s2', 'QUEUED'), undefined);
    events.length = 0;
    const report = { created: 0, updated: 0, stateChanges: 0 };
    const page = [wire('s1'), wire('s2', 'IN_PROGRESS', '2026-01-01T00:05:00Z'), wire('s3')];
    const out = await upsertPage(deps(), { accountId: ACC, workspaceId: WS, backfill: false }, page, new Map(), report);
    const index = await store.index(ACC);
    expect([...index.keys()].sort()).toEqual(['s1', 's2', 's3']);
    expect(out.map((r) => r.id)).toEqual(['s1', 's2', 's3'].map((j) => index.get(j)!.id));
    expect(index.get('s2')!.state).toBe('IN_PROGRESS');
    expect(report).toEqual({ created: 2, updated: 1, stateChanges: 1 });
    expect(events).toEqual(['session.created:s1', 'session.state_changed:s2', 'session.updated:s2', 'session.created:s3']);
  });

  it('an unmoved session is neither written nor published, and one that moved is', async () => {
    const index = await store.index(ACC);
    events.length = 0;
    const report = { created: 0, updated: 0, stateChanges: 0 };
    await upsertPage(deps(), { accountId: ACC, workspaceId: WS, backfill: false }, [wire('s1'), wire('s3', 'COMPLETED', '2026-01-01T01:00:00Z')], index, report);
    expect(report).toEqual({ created: 0, updated: 1, stateChanges: 1 });
    expect(events).toEqual(['session.state_changed:s3', 'session.updated:s3']);
    expect((await store.index(ACC)).get('s3')!.state).toBe('COMPLETED');
  });

  it('the index is read whole across its pages (more rows than one page holds)', async () => {
    const many = Array.from({ length: 2100 }, (_, i) => wire(`m${String(i).padStart(4, '0')}`));
    for (let i = 0; i < many.length; i += 100) await upsertPage(deps(), { accountId: ACC, workspaceId: WS, backfill: true }, many.slice(i, i + 100), new Map());
    const index = await store.index(ACC);
    expect(index.size).toBe(2103);
    expect(index.has('m2099') && index.has('m0000')).toBe(true);
  }, 60_000);

  it('activities append in one relaxed transaction and the configured durability comes back afterwards', async () => {
    const id = (await store.index(ACC)).get('s1')!.id;
    const act = (n: number) => ({ session_id: id, activity_id: `a${n}`, workspace_id: WS, position: n, kind: 'progressUpdated', originator: 'agent', create_time: `2026-01-01T00:0${n}:00.000000000Z`, raw: '{}' });
    const first = await store.appendActivities(id, (count) => [0, 1].map((i) => act(count + i)), { last: null, updateTime: 'u1' });
    expect(first.total).toBe(2);
    // Offered again with one new: held rows are ignored and the count is the table's, not a sum.
    const again = await store.appendActivities(id, () => [act(1), act(2)], { last: null, updateTime: 'u2' });
    expect(again.total).toBe(3);
    const row = await store.get(WS, id);
    expect(row).toMatchObject({ activity_count: 3, activities_synced_update_time: 'u2', last_activity_at: act(2).create_time });
    if (engine === 'sqlite') {
      const r = await sql<{ synchronous: number }>`pragma synchronous`.execute(t.db.kysely);
      expect(r.rows[0].synchronous).toBe(2); // FULL, as configured
    }
  });

  it('a failing relaxed transaction writes nothing and leaves durability as configured', async () => {
    const id = (await store.index(ACC)).get('s3')!.id;
    const bad = { session_id: id, activity_id: 'x', workspace_id: WS, position: 0, kind: 'k', originator: 'agent', create_time: 't', raw: null as unknown as string };
    await expect(store.appendActivities(id, () => [bad], { last: null, updateTime: 'never' })).rejects.toThrow();
    expect((await store.get(WS, id))!.activities_synced_update_time).not.toBe('never');
    if (engine === 'sqlite') {
      const r = await sql<{ synchronous: number }>`pragma synchronous`.execute(t.db.kysely);
      expect(r.rows[0].synchronous).toBe(2);
    }
  });
});
