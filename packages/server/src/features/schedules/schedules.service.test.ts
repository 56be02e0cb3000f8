import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors';
import { createTestDb, requirePostgresInCi, testEngines, type TestDb } from '../../platform/db/testing';
import { fakeRunner, manualClock, newWorkspace, service, template } from './schedules.test-support';
import { notYetRunner } from './schedules.service';

requirePostgresInCi();

const MIN = 60_000;
const at = (s: string) => Date.parse(s);

describe.each(testEngines())('schedules: missed runs, pause/resume, validation (%s)', (engine) => {
  let t: TestDb;
  let ws: string;
  beforeAll(async () => {
    t = await createTestDb(engine);
    ws = await newWorkspace(t.db);
  });
  afterAll(async () => t?.cleanup());

  /** Ticks every minute from `from` to `to` (inclusive). */
  async function tickEveryMinute(s: ReturnType<typeof service>, clock: ReturnType<typeof manualClock>, from: number, to: number) {
    for (let now = from; now <= to; now += MIN) {
      clock.set(now);
      await s.tick();
    }
  }

  it.each(['skip', 'run_once'] as const)('after a downtime, policy %s: nothing replayed (skip) or one catch-up run (run_once)', async (policy) => {
    const clock = manualClock(at('2026-12-01T10:00:30Z'));
    const before = fakeRunner();
    const s1 = service(t.db, clock, { runner: before, instanceId: `one-${policy}` });
    const sch = await s1.create(ws, { name: `hourly ${policy}`, cron: '0 * * * *', timezone: 'UTC', enabled: true, missedRunPolicy: policy, target: template });
    await tickEveryMinute(s1, clock, at('2026-12-01T10:58:00Z'), at('2026-12-01T11:01:00Z'));
    expect(before.calls.map((c) => c.fireAt)).toEqual([at('2026-12-01T11:00:00Z')]);
    // Every instance down from 11:01 to 15:20 (12:00, 13:00, 14:00, 15:00 missed); a new instance starts.
    const after = fakeRunner();
    const s2 = service(t.db, clock, { runner: after, instanceId: `two-${policy}` });
    clock.set(at('2026-12-01T15:20:00Z'));
    const r = await s2.tick();
    const runs = (await s2.runs(ws, sch.id, { limit: 10 })).items;
    if (policy === 'skip') {
      expect(r).toMatchObject({ fired: 0, skippedMissed: 1 });
      expect(after.calls).toEqual([]);
      expect(runs[0]).toMatchObject({ fireAt: '2026-12-01T15:00:00.000Z', outcome: 'skipped', missed: 4 });
      expect(runs[0]!.reason).toMatch(/^4 runs missed while no instance was running \(2026-12-01T12:00:00.000Z to 2026-12-01T15:00:00.000Z\): not run \(missed-run policy skip\)/);
    } else {
      expect(r).toMatchObject({ fired: 1, skippedMissed: 0 });
      expect(after.calls).toHaveLength(1);
      expect(after.calls[0]).toMatchObject({ fireAt: at('2026-12-01T15:00:00Z'), missed: 4 });
      expect(runs[0]).toMatchObject({ fireAt: '2026-12-01T15:00:00.000Z', outcome: 'ok', missed: 4 });
      expect(runs[0]!.reason).toMatch(/^catch-up: 4 runs missed/);
    }
    // Back on time afterwards, once per hour, with nothing more caught up.
    await tickEveryMinute(s2, clock, at('2026-12-01T15:21:00Z'), at('2026-12-01T16:01:00Z'));
    expect(after.calls.map((c) => c.fireAt).filter((f) => f > at('2026-12-01T15:00:00Z'))).toEqual([at('2026-12-01T16:00:00Z')]);
    expect(runs).toHaveLength(2);
    await s2.remove(ws, sch.id);
  });

  it.each(['skip', 'run_once'] as const)('pause stops runs; resume (policy %s) counts from now and replays nothing of the paused time', async (policy) => {
    const clock = manualClock(at('2026-12-02T09:50:00Z'));
    const runner = fakeRunner();
    const s = service(t.db, clock, { runner, instanceId: `p-${policy}` });
    const sch = await s.create(ws, { name: `quarter ${policy}`, cron: '*/15 * * * *', timezone: 'America/New_York', enabled: true, missedRunPolicy: policy, target: template });
    await tickEveryMinute(s, clock, at('2026-12-02T09:51:00Z'), at('2026-12-02T10:05:00Z'));
    expect(runner.calls.map((c) => c.fireAt)).toEqual([at('2026-12-02T10:00:00Z')]);
    const paused = await s.pause(ws, sch.id);
    expect(paused).toMatchObject({ enabled: false, nextRunAt: null });
    await tickEveryMinute(s, clock, at('2026-12-02T10:06:00Z'), at('2026-12-02T11:07:00Z'));
    expect(runner.calls).toHaveLength(1);
    const resumed = await s.resume(ws, sch.id);
    expect(resumed).toMatchObject({ enabled: true, nextRunAt: '2026-12-02T11:15:00.000Z' });
    await tickEveryMinute(s, clock, at('2026-12-02T11:08:00Z'), at('2026-12-02T11:31:00Z'));
    expect(runner.calls.map((c) => new Date(c.fireAt).toISOString())).toEqual(['2026-12-02T10:00:00.000Z', '2026-12-02T11:15:00.000Z', '2026-12-02T11:30:00.000Z']);
    expect((await s.runs(ws, sch.id, { limit: 50 })).items.every((r) => r.missed === 0)).toBe(true);
    await s.remove(ws, sch.id);
  });

  it('the default runner launches nothing and says so in the history', async () => {
    const clock = manualClock(at('2026-12-04T06:59:00Z'));
    const s = service(t.db, clock, { runner: notYetRunner, instanceId: 'default-runner' });
    const sch = await s.create(ws, { name: 'honest', intervalSeconds: 3600, timezone: 'UTC', enabled: true, missedRunPolicy: 'skip', target: { kind: 'batch', templateId: 'tpl_1', sources: ['acme/a', 'acme/b'], variables: {} } });
    clock.set(at('2026-12-04T07:59:10Z'));
    await s.tick();
    const [run] = (await s.runs(ws, sch.id, { limit: 5 })).items;
    expect(run).toMatchObject({ fireAt: '2026-12-04T07:59:00.000Z', outcome: 'skipped', reason: 'launching through the dispatcher is not built yet' });
    await s.remove(ws, sch.id);
  });

  it('refuses a bad cron, one firing more than once a minute, and an unknown zone, naming the field; a name twice is a 409', async () => {
    const clock = manualClock(at('2026-12-05T00:00:00Z'));
    const s = service(t.db, clock);
    const issue = async (p: Promise<unknown>) => {
      const e = await p.then(() => null, (err: unknown) => err);
      expect(e).toBeInstanceOf(AppError);
      return { status: (e as AppError).status, path: (e as AppError).details?.issues?.[0]?.path, message: (e as AppError).message };
    };
    const body = { name: 'bad', timezone: 'UTC', enabled: true, missedRunPolicy: 'skip' as const, target: template };
    expect(await issue(s.create(ws, { ...body, cron: '61 * * * *' }))).toMatchObject({ status: 400, path: 'body.cron' });
    expect(await issue(s.create(ws, { ...body, cron: '*/10 * * * * *' }))).toMatchObject({ status: 400, path: 'body.cron', message: expect.stringMatching(/more often than once a minute/) });
    expect(await issue(s.create(ws, { ...body, cron: '0 0 30 2 *' }))).toMatchObject({ status: 400, path: 'body.cron', message: expect.stringMatching(/never fires/) });
    expect(await issue(s.create(ws, { ...body, cron: '0 7 * * *', timezone: 'Mars/Olympus_Mons' }))).toMatchObject({ status: 400, path: 'body.timezone' });
    const ok = await s.create(ws, { ...body, name: 'twice', cron: '0 7 * * MON' });
    expect(ok.description).toBe('At 07:00, only on Monday (UTC)');
    expect(await issue(s.create(ws, { ...body, name: 'twice', cron: '0 8 * * *' }))).toMatchObject({ status: 409, path: 'body.name' });
    expect(await issue(s.update(ws, ok.id, { cron: 'not a cron' }))).toMatchObject({ status: 400, path: 'body.cron' });
    await s.remove(ws, ok.id);
  });
});
