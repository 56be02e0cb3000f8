import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator } from '@autopilot/jules-sim';
import type { AppEvent } from '@autopilot/contracts';
import { createTestDb, testEngines, type TestDb } from '../../platform/db/testing';
import { createMemoryBus } from '../../platform/events/bus';
import { createSecretBox } from '../../platform/crypto';
import { createLogger } from '../../platform/logger';
import { systemClock, type Clock } from '../../platform/clock';
import { createAccountsStore } from './accounts.store';
import { createAccountsService } from './accounts.service';
import { createSessionsStore } from './sessions.store';
import { createSessionsService } from './sessions.service';
import { createOutbound } from '../../platform/outbound';

const N = 1000;
const log = createLogger({ level: 'silent' });

describe.each(testEngines())('session mirror sync of 1,000 simulated sessions on %s', (engine) => {
  let t: TestDb;
  let sim: JulesSimulator;
  let srv: ListeningSimulator;
  let service: ReturnType<typeof createSessionsService>;
  let accounts: ReturnType<typeof createAccountsService>;
  const events: AppEvent[] = [];
  const WS = 'ws-1';

  beforeAll(async () => {
    t = await createTestDb(engine);
    sim = createJulesSimulator({ sessions: N, manualClock: true, seed: 42, spreadHours: 2 });
    srv = await sim.listen(0, '127.0.0.1');
    await t.db.kysely.insertInto('workspaces').values({ id: WS, name: 'one', created_at: new Date().toISOString() }).execute();
    const bus = createMemoryBus({ replay: 100 });
    bus.subscribe((e) => events.push(e));
    const clientClock: Clock = { now: () => sim.clock.now(), sleep: async (ms) => void sim.clock.advance(ms) };
    accounts = createAccountsService({
      // The simulator is a private (loopback) destination: allowed by naming exactly its host:port, like an operator would.
      store: createAccountsStore(t.db), secrets: createSecretBox(randomBytes(32)), clock: systemClock, log, bus, outbound: createOutbound({ allow: [srv.baseUrl.replace(/^http:\/\/([^/]+).*$/, '$1')] }),
      clientOptions: { clock: clientClock },
    });
    await accounts.add(WS, { name: 'sim', apiKey: 'sim-key-12345678', baseUrl: srv.baseUrl });
    service = createSessionsService({ store: createSessionsStore(t.db), accounts, bus, clock: systemClock, log });
  }, 60_000);
  afterAll(async () => {
    await srv?.close();
    await t?.cleanup();
  });

  const live = () => sim.sessions().filter((s) => !s.archived);
  /** Every page of the mirror's list. */
  const all = async (q: { archived: 'true' | 'false' | 'all'; deleted: 'true' | 'false'; source?: string; text?: string }) => {
    const out = [];
    let cursor: string | undefined;
    do {
      const page = await service.list(WS, { limit: 300, ...q, cursor });
      out.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return out;
  };
  const syncOnce = async () => {
    const [acc] = await accounts.rows(WS);
    return (await service.syncAccount(acc))!;
  };

  it('first sync imports every session quietly; live sessions get their activities at once, finished ones are deferred', async () => {
    sim.resetStats();
    const r = await syncOnce();
    const simAll = sim.sessions();
    const archived = simAll.filter((s) => s.archived).length;
    const finished = simAll.filter((s) => s.archived || s.state === 'COMPLETED' || s.state === 'FAILED').length;
    expect(finished).toBeGreaterThan(200);
    expect(r.seen).toBe(N);
    expect(r.created).toBe(N);
    expect(r.listCalls).toBe(Math.ceil((N - archived) / 100) + Math.max(1, Math.ceil(archived / 100)));
    // Every live session now, plus the newest 200 finished ones; the rest wait for a reader or a later poll.
    expect(r.activityBackfilled).toBe(200);
    expect(r.activityDeferred).toBe(finished - 200);
    expect(r.activitySessions).toBe(N - finished + 200);
    expect(sim.stats().requests.byRoute['activities.list']).toBe(r.activityCalls);
    // Backfill publishes one summary event, not thousands.
    expect(events.map((e) => e.type)).toEqual(['sessions.synced']);
    const page = await service.list(WS, { limit: 500, archived: 'all', deleted: 'false' });
    expect(page.items).toHaveLength(500);

    // A reader of a deferred session gets its activities fetched on demand.
    const mirrored = await all({ archived: 'all', deleted: 'false' });
    const simById = new Map(sim.sessions().map((s) => [s.id, s]));
    const waiting = mirrored.find((m) => m.activityCount === 0 && (simById.get(m.julesId)?.activities ?? 0) > 0)!;
    expect(waiting).toBeDefined();
    const callsBefore = sim.stats().requests.byRoute['activities.list'] ?? 0;
    const acts = await service.activities(WS, waiting.id, { limit: 100 });
    expect(acts.items).toHaveLength(simById.get(waiting.julesId)!.activities);
    expect(sim.stats().requests.byRoute['activities.list']).toBeGreaterThan(callsBefore);
    expect((await service.get(WS, waiting.id)).activityCount).toBe(simById.get(waiting.julesId)!.activities);

    // Later polls backfill the rest, 200 at a time, until every activity is mirrored.
    let added = r.activitiesAdded + acts.items.length;
    for (let i = 0; i < 10; i++) {
      const next = await syncOnce();
      added += next.activitiesAdded;
      expect(next.activityBackfilled).toBeLessThanOrEqual(200);
      if (next.activityDeferred === 0) break;
    }
    expect(added).toBe(simAll.reduce((n, s) => n + s.activities, 0));
  }, 120_000);

  it('each incremental sync fetches activities only for sessions whose updateTime moved', async () => {
    for (const stepMs of [20_000, 90_000, 5 * 60_000]) {
      const before = new Map(live().map((s) => [s.id, s.updateTime]));
      sim.clock.advance(stepMs);
      const after = live();
      const moved = after.filter((s) => before.get(s.id) !== s.updateTime).length;
      sim.resetStats();
      events.length = 0;
      const r = await syncOnce();
      const stats = sim.stats().requests.byRoute;
      expect(stats['sessions.list']).toBe(Math.ceil(after.length / 100));
      expect(r.listCalls).toBe(Math.ceil(after.length / 100));
      expect(r.activitySessions).toBe(moved);
      expect(stats['activities.list'] ?? 0).toBe(r.activityCalls);
      expect(r.activityCalls).toBeGreaterThanOrEqual(moved);
      expect(stats['sessions.get'] ?? 0).toBe(0);
      expect(events.filter((e) => e.type === 'session.state_changed')).toHaveLength(r.stateChanges);
      expect(events.filter((e) => e.type === 'activity.added')).toHaveLength(r.activitiesAdded);
      expect(moved).toBeGreaterThan(0);
    }
    // The mirror holds exactly what the simulator has.
    const simRows = new Map(sim.sessions().map((s) => [s.id, s]));
    const mirrored = await all({ archived: 'false', deleted: 'false' });
    expect(mirrored).toHaveLength(live().length);
    for (const s of mirrored) {
      const sr = simRows.get(s.julesId)!;
      expect([s.state, s.activityCount]).toEqual([sr.state, sr.activities]);
    }
  }, 120_000);

  it('a sync with nothing changed costs only the list pages', async () => {
    sim.resetStats();
    const r = await syncOnce();
    expect(r.activityCalls).toBe(0);
    expect(sim.stats().requests.byRoute['sessions.list']).toBe(Math.ceil(live().length / 100));
  });

  it('notices archiving and deletion upstream, confirming with sessions.get, and keeps the data', async () => {
    const [a, b] = live().slice(0, 2);
    const [acc] = await accounts.rows(WS);
    const client = accounts.client(acc)!;
    await client.archive(a.id);
    await client.deleteSession(b.id);
    events.length = 0;
    sim.resetStats();
    const r = await syncOnce();
    expect(r.deleted).toBe(1);
    expect(sim.stats().requests.byRoute['sessions.get']).toBe(2);
    expect(events.filter((e) => e.type === 'session.deleted').map((e) => e.data.julesId)).toEqual([b.id]);
    const byJules = new Map((await all({ archived: 'all', deleted: 'true' })).map((s) => [s.julesId, s]));
    expect(byJules.get(b.id)).toMatchObject({ deleted: true });
    expect(byJules.get(a.id)).toMatchObject({ archived: true, deleted: false });
    const visible = await all({ archived: 'all', deleted: 'false' });
    expect(visible).toHaveLength(N - 1);
    expect(visible.some((s) => s.julesId === b.id)).toBe(false);
    const detail = await service.get(WS, byJules.get(b.id)!.id);
    expect(detail.activityCount).toBeGreaterThan(0);
  });

  it('gives narrow signatures of every live session, and summaries by id that match the list', async () => {
    const rows = await all({ archived: 'all', deleted: 'false' });
    const sigs = await service.signatures(WS);
    expect(sigs.map((x) => x.id).sort()).toEqual(rows.map((r) => r.id).sort());
    const some = rows.slice(0, 700);
    const sums = await service.summaries(WS, [...some.map((r) => r.id), 'no-such-id']);
    expect(new Map(sums.map((x) => [x.id, x]))).toEqual(new Map(some.map((r) => [r.id, r])));
    const byId = new Map(sigs.map((x) => [x.id, x]));
    for (const r of some) expect(byId.get(r.id)).toEqual({ id: r.id, state: r.state, updateTime: r.updateTime, archived: r.archived, activityCount: r.activityCount, deleted: false });
    expect(await service.summaries('another-workspace', some.slice(0, 5).map((r) => r.id))).toEqual([]);
  });

  it('filters by state list, source and text (case-insensitive, wildcards literal) on this engine', async () => {
    const rows = await all({ archived: 'false', deleted: 'false' });
    const states = ['COMPLETED', 'FAILED'];
    const byState = await service.list(WS, { limit: 500, archived: 'false', deleted: 'false', state: states.join(',') });
    expect(byState.items.length).toBe(Math.min(500, rows.filter((r) => states.includes(r.state)).length));
    const src = rows.find((r) => r.source)!.source!;
    const bySource = await all({ archived: 'false', deleted: 'false', source: src.replace(/^sources\//, '') });
    expect(bySource.length).toBe(rows.filter((r) => r.source === src).length);
    const word = rows[0].title.split(' ').sort((a, b) => b.length - a.length)[0];
    const byText = await all({ archived: 'false', deleted: 'false', text: word.toUpperCase() });
    expect(byText.map((r) => r.id)).toContain(rows[0].id);
    expect((await service.list(WS, { limit: 10, archived: 'all', deleted: 'true', text: '%' })).items).toEqual([]);
    expect((await service.list(WS, { limit: 10, archived: 'all', deleted: 'true', text: '_' })).items).toEqual([]);
  });

  it('waits out a long rate limit per account instead of polling into it', async () => {
    sim.setFaults({ rules: [{ op: 'sessions.list', kind: '429', retryAfterSeconds: 120 }] });
    sim.resetStats();
    const first = await service.syncAll();
    expect(first.size).toBe(0);
    const [acc] = await accounts.list(WS);
    expect(acc.lastError).toMatch(/HTTP 429/);
    await service.syncAll();
    expect(sim.stats().requests.byRoute['sessions.list']).toBe(1);
    sim.setFaults({});
  });

  it('asks again only after minutes when Jules rejects the key', async () => {
    // A fresh service: the previous test left this account waiting out its rate limit.
    const fresh = createSessionsService({ store: createSessionsStore(t.db), accounts, bus: createMemoryBus(), clock: systemClock, log });
    sim.setFaults({ rules: [{ op: 'sessions.list', kind: '401' }] });
    sim.resetStats();
    expect((await fresh.syncAll()).size).toBe(0);
    const [acc] = await accounts.list(WS);
    expect(acc.lastError).toMatch(/HTTP 401/);
    await fresh.syncAll();
    expect(sim.stats().requests.byRoute['sessions.list']).toBe(1);
    sim.setFaults({});
  });

  it('hands the sync lease to one instance at a time; an expired lease can be taken over', async () => {
    const store = createSessionsStore(t.db);
    expect(await store.tryLease('test.lease', 'a', 1_000, 100)).toBe(true);
    expect(await store.tryLease('test.lease', 'b', 1_050, 100)).toBe(false);
    expect(await store.tryLease('test.lease', 'a', 1_090, 100)).toBe(true);
    expect(await store.tryLease('test.lease', 'b', 1_150, 100)).toBe(false);
    expect(await store.tryLease('test.lease', 'b', 1_200, 100)).toBe(true);
    await store.releaseLease('test.lease', 'b');
    expect(await store.tryLease('test.lease', 'a', 1_201, 100)).toBe(true);
  });
});
