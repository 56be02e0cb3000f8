import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../platform/db';
import { createTestDb, requirePostgresInCi, testEngines, type TestDb } from '../../platform/db/testing';
import type { RunResult, ScheduledRun } from './schedules.service';
import { fakeRunner, manualClock, newWorkspace, service, template } from './schedules.test-support';

requirePostgresInCi();

const MIN = 60_000;

/**
 * Two instances (two service objects, each with its own database handle and instance id) on one database, ticking
 * at the same moments: every fire time is handed to exactly one runner, and a claim whose holder died before its
 * outcome is taken over once, its late outcome ignored.
 */
describe.each(testEngines())('schedules on two instances (%s)', (engine) => {
  let t: TestDb;
  let second: Db;
  let ws: string;
  beforeAll(async () => {
    t = await createTestDb(engine);
    second = await openDatabase(t.target, undefined, { migrate: false });
    ws = await newWorkspace(t.db);
  });
  afterAll(async () => {
    await second?.close();
    await t?.cleanup();
  });

  it('fires each of 105 fire times (70 + 35) exactly once between two instances ticking together', async () => {
    const start = Date.parse('2026-12-01T09:59:30Z');
    const clock = manualClock(start);
    const ra = fakeRunner();
    const rb = fakeRunner();
    const a = service(t.db, clock, { runner: ra, instanceId: 'inst-a' });
    const b = service(second, clock, { runner: rb, instanceId: 'inst-b' });
    const everyMinute = await a.create(ws, { name: 'every minute', cron: '* * * * *', timezone: 'Europe/Berlin', enabled: true, missedRunPolicy: 'skip', target: template });
    const interval = await b.create(ws, { name: 'every 2 minutes', intervalSeconds: 120, timezone: 'UTC', enabled: true, missedRunPolicy: 'run_once', target: template });
    // Ticks at uneven offsets inside each minute, both instances at once, 70 minutes long.
    for (let m = 0; m < 70; m++) {
      for (const offset of [0, 31_000]) {
        clock.set(start + 30_000 + m * MIN + offset);
        await Promise.all([a.tick(), b.tick()]);
      }
    }
    const all = [...ra.calls, ...rb.calls];
    const key = (r: ScheduledRun) => `${r.scheduleId}@${r.fireAt}`;
    const counts = new Map<string, number>();
    for (const r of all) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1);
    expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
    const minuteFires = all.filter((r) => r.scheduleId === everyMinute.id).map((r) => r.fireAt).sort((x, y) => x - y);
    expect(minuteFires.length).toBe(70);
    expect(minuteFires.every((f, i) => i === 0 || f - minuteFires[i - 1]! === MIN)).toBe(true);
    expect(all.filter((r) => r.scheduleId === interval.id).length).toBe(35);
    // The history agrees: one ok row per fire time, none pending.
    const history = await a.runs(ws, everyMinute.id, { limit: 500 });
    expect(history.items.length).toBe(70);
    expect(history.items.every((r) => r.outcome === 'ok' && r.attempts === 1 && r.links.length === 1)).toBe(true);
    await a.remove(ws, everyMinute.id);
    await a.remove(ws, interval.id);
  });

  it('takes over a claim whose holder stopped before its outcome, and ignores the late outcome', async () => {
    const start = Date.parse('2026-12-02T10:00:30Z');
    const clock = manualClock(start - 60_000);
    let release: (r: RunResult) => void = () => undefined;
    const hung = fakeRunner(() => new Promise<RunResult>((resolve) => (release = resolve)));
    const rb = fakeRunner();
    const a = service(t.db, clock, { runner: hung, instanceId: 'dies', claimTimeoutMs: 5 * MIN });
    const b = service(second, clock, { runner: rb, instanceId: 'survives', claimTimeoutMs: 5 * MIN });
    const sch = await a.create(ws, { name: 'hourly', cron: '0 * * * *', timezone: 'UTC', enabled: true, missedRunPolicy: 'skip', target: template });
    clock.set(Date.parse('2026-12-02T11:00:05Z'));
    const dying = a.tick(); // claims 11:00, then hangs in the runner: as good as dead
    await new Promise((r) => setTimeout(r, 200));
    expect(hung.calls.length).toBe(1);
    await b.tick();
    expect(rb.calls.length).toBe(0); // claimed by a, not stale yet
    clock.set(Date.parse('2026-12-02T11:06:00Z'));
    const r = await b.tick();
    expect(r.takenOver).toBe(1);
    expect(rb.calls).toHaveLength(1);
    expect(rb.calls[0]).toMatchObject({ runId: hung.calls[0]!.runId, attempt: 2, fireAt: Date.parse('2026-12-02T11:00:00Z') });
    release({ outcome: 'failed', reason: 'late answer of the dead instance' });
    await dying;
    const [run] = (await b.runs(ws, sch.id, { limit: 5 })).items;
    expect(run).toMatchObject({ outcome: 'ok', attempts: 2, fireAt: '2026-12-02T11:00:00.000Z' });
    await a.remove(ws, sch.id);
  });

  it('records a run failed after maxAttempts takes without an outcome', async () => {
    const clock = manualClock(Date.parse('2026-12-03T09:59:00Z'));
    const never = fakeRunner(() => new Promise<RunResult>(() => undefined));
    const a = service(t.db, clock, { runner: never, instanceId: 'x1', claimTimeoutMs: MIN, maxAttempts: 2 });
    const sch = await a.create(ws, { name: 'abandoned', cron: '0 10 * * *', timezone: 'UTC', enabled: true, missedRunPolicy: 'skip', target: template });
    clock.set(Date.parse('2026-12-03T10:00:10Z'));
    void a.tick();
    await new Promise((r) => setTimeout(r, 100));
    clock.set(Date.parse('2026-12-03T10:02:00Z'));
    void service(second, clock, { runner: never, instanceId: 'x2', claimTimeoutMs: MIN, maxAttempts: 2 }).tick();
    await new Promise((r) => setTimeout(r, 100));
    clock.set(Date.parse('2026-12-03T10:04:00Z'));
    await service(second, clock, { runner: never, instanceId: 'x3', claimTimeoutMs: MIN, maxAttempts: 2 }).tick();
    const [run] = (await a.runs(ws, sch.id, { limit: 5 })).items;
    expect(run).toMatchObject({ outcome: 'failed', attempts: 3 });
    expect(run!.reason).toMatch(/abandoned/);
    expect(never.calls.length).toBe(2);
    await a.remove(ws, sch.id);
  });
});
