import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, testEngines, type TestDb } from '../../platform/db/testing';
import { createKeeperStore, type KeeperStore } from './keeper.store';

const WS = 'ws-decisions';

describe.each(testEngines())('keeper decisions written in batches on %s', (engine) => {
  let t: TestDb;
  let store: KeeperStore;
  beforeAll(async () => {
    t = await createTestDb(engine);
    store = createKeeperStore(t.db);
  });
  afterAll(() => t.cleanup());

  it('upserts many decisions at once, newest wins, a pause set by a person is kept', async () => {
    const ids = Array.from({ length: 1_203 }, (_, i) => `s${i}`);
    await store.setPaused(WS, 's7', true, 1);
    await store.recordDecisions(WS, ids.map((id) => ({ sessionId: id, decision: 'none', reason: 'first look', at: 10 })));
    await store.recordDecisions(WS, ids.slice(0, 600).map((id) => ({ sessionId: id, decision: 'nudge', reason: `stalled ${id}`, at: 20 })));
    const s7 = await store.sessionState(WS, 's7');
    expect([s7?.paused, s7?.last_decision, s7?.last_reason, Number(s7?.last_decided_at)]).toEqual([1, 'nudge', 'stalled s7', 20]);
    const last = await store.sessionState(WS, 's1202');
    expect([last?.paused, last?.last_decision, last?.last_reason, Number(last?.last_decided_at)]).toEqual([0, 'none', 'first look', 10]);
    expect([...(await store.pausedIds(WS))]).toEqual(['s7']);
    const n = await t.db.kysely.selectFrom('keeper_session_state').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', WS).executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(ids.length);
  });
});
