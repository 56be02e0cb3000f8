import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator } from '@autopilot/jules-sim';
import { DEFAULT_KEEPER_SETTINGS } from '@autopilot/contracts';
import { createTestDb, testEngines, type TestDb } from '../../platform/db/testing';
import { createMemoryBus } from '../../platform/events/bus';
import { createLogger } from '../../platform/logger';
import type { Clock } from '../../platform/clock';
import { createJulesClient, KeyedSemaphores, type JulesClient } from '../../integrations/jules';
import type { AccountsService } from './accounts.service';
import { createSessionsStore } from './sessions.store';
import { createSessionsService } from './sessions.service';
import { syncAccount, upsertSession, type SyncDeps, type SyncReport } from './sessions.sync';

const WS = 'ws-upstream';
const KEY = 'upstream-test-key-0123456789';
const MIN = 60_000;

/**
 * The mirror against the Jules API as it really behaves: updateTime that does not move when activities arrive,
 * an activities filter the server refuses, malformed records in a listing, a create answer that cannot be read.
 */
describe.each(testEngines())('session mirror against real-world Jules behaviour on %s', (engine) => {
  let t: TestDb;
  let sim: JulesSimulator;
  let srv: ListeningSimulator;
  let store: ReturnType<typeof createSessionsStore>;
  let logged: string[];
  let mangle = false;
  const log = () => {
    const out = new PassThrough();
    out.on('data', (d) => logged.push(String(d)));
    return createLogger({ level: 'warn', destination: out });
  };
  const clock: Clock = { now: () => sim.clock.now(), sleep: async (ms) => void sim.clock.advance(ms) };

  /** One account row per scenario, with its own client (the filter fallback is remembered per client). */
  async function account(id: string, fetchImpl?: typeof fetch): Promise<{ client: JulesClient; deps: SyncDeps; sync: (backfill?: boolean) => Promise<SyncReport> }> {
    await t.db.kysely.insertInto('jules_accounts').values({
      id, workspace_id: WS, name: id, origin: 'api', api_key_sealed: 'sealed', key_last4: '6789', base_url: srv.baseUrl,
      created_at: new Date().toISOString(), last_sync_at: null, last_full_sync_at: null, last_archived_sync_at: null, last_error: null,
    }).execute();
    const client = createJulesClient({ baseUrl: srv.baseUrl, apiKey: KEY, clock, random: () => 0.5, createLimiter: new KeyedSemaphores(3), log: log(), fetch: fetchImpl });
    const deps: SyncDeps = { store, bus: createMemoryBus(), clock, log: log(), locks: new Map() };
    return { client, deps, sync: (backfill = false) => syncAccount(deps, { accountId: id, workspaceId: WS, backfill }, client, { archivedPass: false }) };
  }

  /** The mirror's rows of an account, by Jules id. */
  const mirror = async (accountId: string) => store.index(accountId);
  const simCounts = () => new Map(sim.sessions().map((s) => [s.id, s.activities]));

  beforeAll(async () => {
    t = await createTestDb(engine);
    store = createSessionsStore(t.db);
    sim = createJulesSimulator({ apiKeys: [KEY], manualClock: true, seed: 5, speed: 0.05, startTime: '2026-04-01T09:00:00Z' });
    srv = await sim.listen(0, '127.0.0.1');
    await t.db.kysely.insertInto('workspaces').values({ id: WS, name: 'upstream', created_at: new Date().toISOString() }).execute();
  }, 60_000);
  afterAll(async () => {
    await srv?.close();
    await t?.cleanup();
  });

  it('with updateTime frozen, a bounded periodic check still finds new activities, and the keeper sees them', async () => {
    logged = [];
    for (let i = 0; i < 15; i++) sim.createSession({ prompt: `Refactor module ${i}`, behaviour: 'happy' });
    sim.setFaults({ freezeUpdateTime: true });
    const a = await account('acc-frozen');
    await a.sync(true);
    sim.resetStats();
    let checks = 0;
    let calls = 0;
    const polls = 10;
    for (let i = 0; i < polls; i++) {
      sim.clock.advance(MIN);
      const r = await a.sync();
      expect(r.failures).toBe(0);
      expect(r.activityChecks).toBeLessThanOrEqual(15);
      checks += r.activityChecks;
      calls += r.activityCalls;
    }
    // Every activities.list the simulator served is one the sync accounted for: nothing hidden.
    expect(sim.stats().requests.byRoute['activities.list']).toBe(calls);
    // Frugal: at most one check per working session per 2 min (75 over 10 polls), far below one per poll (150).
    expect(checks).toBeGreaterThan(0);
    expect(checks).toBeLessThanOrEqual(15 * Math.ceil(polls / 2));
    console.info(`[frozen updateTime] ${polls} polls x 15 sessions: ${checks} periodic checks, ${calls} activities.list calls, ${sim.stats().requests.byRoute['sessions.list']} list calls`);

    // Polls every 2 min from here: each working session is due at each poll, so the mirror is complete after one.
    for (let i = 0; i < 6; i++) {
      sim.clock.advance(2 * MIN);
      await a.sync();
    }
    const rows = await mirror('acc-frozen');
    const counts = simCounts();
    for (const [julesId, row] of rows) expect([julesId, Number(row.activity_count)]).toEqual([julesId, counts.get(julesId)]);

    // What the keeper reads: updateTime alone says "quiet for longer than the stall threshold"; the newest
    // mirrored activity says otherwise, and it is the simulator's newest.
    const service = createSessionsService({ store, accounts: {} as AccountsService, bus: createMemoryBus(), clock, log: log() });
    const summaries = await service.summaries(WS, [...rows.values()].map((r) => r.id));
    const threshold = DEFAULT_KEEPER_SETTINGS.stall.thresholds.IN_PROGRESS;
    const now = sim.clock.now();
    const working = summaries.filter((s) => s.state === 'IN_PROGRESS');
    expect(working.length).toBeGreaterThan(0);
    let rescued = 0;
    for (const s of working) {
      const newest = (await a.client.activitiesSince(s.julesId)).activities.at(-1)!;
      expect(Date.parse(s.lastActivityAt!)).toBe(Date.parse(newest.createTime));
      const quiet = now - Math.max(Date.parse(s.updateTime), Date.parse(s.lastActivityAt!));
      if (now - Date.parse(s.updateTime) > threshold && quiet < threshold) rescued++;
    }
    expect(rescued).toBeGreaterThan(0);

    // bashOutput and media artifacts are mirrored and returned by the sessions API as Jules sent them.
    sim.clock.advance(6 * 60 * MIN);
    await a.sync();
    const done = (await service.summaries(WS, [...rows.values()].map((r) => r.id))).filter((s) => s.state === 'COMPLETED');
    expect(done.length).toBeGreaterThan(0);
    const page = await service.activities(WS, done[0].id, { limit: 200 });
    const arts = page.items.flatMap((x) => (x.data.artifacts as Record<string, Record<string, unknown>>[] | undefined) ?? []);
    expect(arts.find((x) => x.bashOutput)?.bashOutput).toMatchObject({ command: 'npm test', exitCode: 0 });
    expect(arts.find((x) => x.media)?.media).toMatchObject({ mimeType: 'image/png' });
    sim.setFaults({});
  }, 60_000);

  it('backs the periodic check off while updateTime announces every activity, and back to 2 min once it misses one', async () => {
    for (let i = 0; i < 15; i++) sim.createSession({ prompt: `Document module ${i}`, behaviour: 'stall' });
    const a = await account('acc-honest');
    await a.sync(true);
    // updateTime moves with every activity: the checks find nothing new, so each round doubles the interval.
    const seen: number[] = [];
    let checks = 0;
    for (let i = 0; i < 40; i++) {
      sim.clock.advance(MIN);
      const r = await a.sync();
      checks += r.activityChecks;
      if (r.activityChecks > 0) seen.push(r.activityCheckEveryMs);
    }
    expect(seen.slice(0, 4)).toEqual([4 * MIN, 8 * MIN, 16 * MIN, 30 * MIN]);
    // Without the backoff: a check per working session every 2 min (15 x 20 = 300 over 40 polls).
    expect(checks).toBeGreaterThan(0);
    expect(checks).toBeLessThanOrEqual(15 * 5);
    // Jules starts missing updateTime: the next round of checks finds activities and the interval is 2 min again.
    sim.setFaults({ freezeUpdateTime: true });
    let back = 0;
    for (let i = 0; i < 35 && !back; i++) {
      sim.clock.advance(MIN);
      const r = await a.sync();
      if (r.activityChecks > 0 && r.activitiesAdded > 0) back = r.activityCheckEveryMs;
    }
    sim.setFaults({});
    expect(back).toBe(2 * MIN);
  });

  it('falls back to plain paging when the activities filter is refused, once per account, dropping no session', async () => {
    for (let i = 0; i < 5; i++) sim.createSession({ prompt: `Document API ${i}`, behaviour: 'happy' });
    const b = await account('acc-nofilter');
    await b.sync(true);
    sim.setFaults({ rejectActivityFilter: true });
    const refusals: number[] = [];
    for (let i = 0; i < 3; i++) {
      sim.clock.advance(5 * MIN);
      sim.resetStats();
      const r = await b.sync();
      refusals.push(sim.stats().requests.byStatus['400'] ?? 0);
      expect(r.failures).toBe(0);
      const counts = simCounts();
      for (const [julesId, row] of await mirror('acc-nofilter')) expect([julesId, Number(row.activity_count)]).toEqual([julesId, counts.get(julesId)]);
    }
    // Refused only in the first poll (at most once per parallel activity fetch, 4), never again for this account.
    expect(refusals[0]).toBeGreaterThan(0);
    expect(refusals[0]).toBeLessThanOrEqual(4);
    expect(refusals.slice(1)).toEqual([0, 0]);
    expect(b.client.activityFilterUnsupported).toBe(true);
    sim.setFaults({});
  }, 60_000);

  it('skips a malformed record of a listing without failing the sync, and does not take it for deleted', async () => {
    logged = [];
    const mangling: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const url = new URL(String(input));
      if (!mangle || init?.method !== 'GET' || !url.pathname.endsWith('/sessions')) return res;
      const body = (await res.json()) as { sessions?: Record<string, unknown>[] };
      if (body.sessions?.[1]) body.sessions[1] = { name: `${String(body.sessions[1].name)}/garbled`, prompt: 'SECRET-PROMPT-OF-A-BAD-RECORD' };
      return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
    };
    const c = await account('acc-mangled', mangling);
    const total = sim.sessions().length;
    mangle = true;
    const first = await c.sync(true);
    expect([first.seen, first.created, first.failures]).toEqual([total - 1, total - 1, 0]);
    expect(logged.join('')).toMatch(/malformed record/);
    expect(logged.join('')).not.toContain('SECRET-PROMPT-OF-A-BAD-RECORD');
    mangle = false;
    expect((await c.sync()).created).toBe(1);
    mangle = true;
    const third = await c.sync();
    expect(third.deleted).toBe(0);
    const rows = [...(await mirror('acc-mangled')).values()];
    expect(rows).toHaveLength(total);
    expect(rows.filter((r) => r.deleted_at !== null)).toEqual([]);
    mangle = false;
  }, 60_000);

  it('records a session whose create answer could not be read, without creating it twice', async () => {
    const d = await account('acc-create');
    await d.sync(true);
    const before = sim.sessions().length;
    sim.resetStats();
    sim.setFaults({ rules: [{ op: 'sessions.create', kind: 'truncated' }] });
    const s = await d.client.createSession({ prompt: 'Add a changelog entry [sim:happy]' });
    sim.setFaults({});
    expect(sim.sessions().length).toBe(before + 1);
    expect(sim.stats().requests.byRoute['sessions.create']).toBe(1);
    const row = await store.byJulesId('acc-create', s.id);
    expect(row).toBeUndefined();
    await upsertSession(d.deps, { accountId: 'acc-create', workspaceId: WS, backfill: false }, s, undefined);
    expect((await store.byJulesId('acc-create', s.id))?.prompt).toBe('Add a changelog entry [sim:happy]');
  });
});
