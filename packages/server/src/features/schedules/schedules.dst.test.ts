import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, requirePostgresInCi, testEngines, type TestDb } from '../../platform/db/testing';
import { localIso } from './schedules.timing';
import { fakeRunner, manualClock, newWorkspace, service, template } from './schedules.test-support';

requirePostgresInCi();

const MIN = 60_000;

/**
 * DST with a manual clock: the firing loop's tick is driven across each transition and the fire times the fake
 * runner is handed are compared with the rule README.md states (croner 10): a wall-clock time that does not exist
 * (spring forward) fires once, shifted by the gap (02:30 -> 03:30); one that exists twice (fall back) fires once,
 * at its first occurrence; nothing else is skipped or doubled.
 */
describe.each(testEngines())('schedules across DST (%s)', (engine) => {
  let t: TestDb;
  let ws: string;
  beforeAll(async () => {
    t = await createTestDb(engine);
    ws = await newWorkspace(t.db);
  });
  afterAll(async () => t?.cleanup());

  async function drive(cron: string, timezone: string, from: string, to: string, stepMs: number) {
    const clock = manualClock(Date.parse(from));
    const runner = fakeRunner();
    const s = service(t.db, clock, { runner, lateAfterMs: stepMs * 2 });
    const sch = await s.create(ws, { name: `${cron} ${timezone} ${from}`, cron, timezone, enabled: true, missedRunPolicy: 'skip', target: template });
    for (let now = Date.parse(from); now <= Date.parse(to); now += stepMs) {
      clock.set(now);
      const r = await s.tick();
      expect(r.skippedMissed).toBe(0);
    }
    const fired = runner.calls.map((c) => new Date(c.fireAt).toISOString());
    const history = await s.runs(ws, sch.id, { limit: 500 });
    expect(history.items.map((r) => r.fireAt).reverse()).toEqual(fired);
    expect(history.items.every((r) => r.outcome === 'ok' && r.attempts === 1)).toBe(true);
    await s.remove(ws, sch.id); // the loop serves every schedule: the next case's clock must not find this one due
    return { fired, local: runner.calls.map((c) => localIso(c.fireAt, timezone).slice(0, 19)) };
  }

  describe('Europe/Berlin', () => {
    it('spring forward (29 March 2026, 02:00 -> 03:00): 30 2 * * * fires once that day, at 03:30 CEST', async () => {
      const r = await drive('30 2 * * *', 'Europe/Berlin', '2026-03-28T00:00:00Z', '2026-03-31T00:00:00Z', 10 * MIN);
      expect(r.fired).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z']);
      expect(r.local).toEqual(['2026-03-28T02:30:00', '2026-03-29T03:30:00', '2026-03-30T02:30:00']);
    });
    it('spring forward: 0 * * * * has no 02:00 (it does not exist), every other hour once', async () => {
      const r = await drive('0 * * * *', 'Europe/Berlin', '2026-03-28T23:30:00Z', '2026-03-29T03:10:00Z', MIN);
      expect(r.fired).toEqual(['2026-03-29T00:00:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-29T02:00:00.000Z', '2026-03-29T03:00:00.000Z']);
      expect(r.local.map((l) => l.slice(11, 16))).toEqual(['01:00', '03:00', '04:00', '05:00']);
    });
    it('spring forward: */15 * * * * goes from 01:45 CET straight to 03:00 CEST, 15 real minutes apart', async () => {
      const r = await drive('*/15 * * * *', 'Europe/Berlin', '2026-03-29T00:20:00Z', '2026-03-29T01:40:00Z', MIN);
      expect(r.fired).toEqual(['2026-03-29T00:30:00.000Z', '2026-03-29T00:45:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-29T01:15:00.000Z', '2026-03-29T01:30:00.000Z']);
      expect(r.local.map((l) => l.slice(11, 16))).toEqual(['01:30', '01:45', '03:00', '03:15', '03:30']);
    });
    it('fall back (25 October 2026, 03:00 -> 02:00): 30 2 * * * fires once, at the first 02:30 (CEST)', async () => {
      const r = await drive('30 2 * * *', 'Europe/Berlin', '2026-10-24T00:00:00Z', '2026-10-27T00:00:00Z', 10 * MIN);
      expect(r.fired).toEqual(['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    });
    it('fall back: 0 * * * * fires 02:00 once (CEST), not again at 02:00 CET', async () => {
      const r = await drive('0 * * * *', 'Europe/Berlin', '2026-10-24T22:30:00Z', '2026-10-25T03:20:00Z', MIN);
      expect(r.fired).toEqual(['2026-10-24T23:00:00.000Z', '2026-10-25T00:00:00.000Z', '2026-10-25T02:00:00.000Z', '2026-10-25T03:00:00.000Z']);
      expect(r.local.map((l) => l.slice(11, 16))).toEqual(['01:00', '02:00', '03:00', '04:00']);
    });
    it('fall back: */15 * * * * does not repeat the repeated hour', async () => {
      const r = await drive('*/15 * * * *', 'Europe/Berlin', '2026-10-24T23:50:00Z', '2026-10-25T02:20:00Z', MIN);
      expect(r.fired).toEqual([
        '2026-10-25T00:00:00.000Z', '2026-10-25T00:15:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-25T00:45:00.000Z', '2026-10-25T02:00:00.000Z', '2026-10-25T02:15:00.000Z',
      ]);
    });
  });

  describe('America/New_York', () => {
    it('spring forward (8 March 2026, 02:00 -> 03:00): 30 2 * * * fires at 03:30 EDT that day', async () => {
      const r = await drive('30 2 * * *', 'America/New_York', '2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z', 10 * MIN);
      expect(r.fired).toEqual(['2026-03-07T07:30:00.000Z', '2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z']);
      expect(r.local).toEqual(['2026-03-07T02:30:00', '2026-03-08T03:30:00', '2026-03-09T02:30:00']);
    });
    it('spring forward: 0 * * * * skips the 02:00 that does not exist', async () => {
      const r = await drive('0 * * * *', 'America/New_York', '2026-03-08T05:30:00Z', '2026-03-08T09:20:00Z', MIN);
      expect(r.local.map((l) => l.slice(11, 16))).toEqual(['01:00', '03:00', '04:00', '05:00']);
    });
    it('fall back (1 November 2026, 02:00 -> 01:00): 30 1 * * * fires once, at the first 01:30 (EDT)', async () => {
      const r = await drive('30 1 * * *', 'America/New_York', '2026-10-31T00:00:00Z', '2026-11-03T00:00:00Z', 10 * MIN);
      expect(r.fired).toEqual(['2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    });
    it('fall back: 0 * * * * and */15 fire the repeated hour once', async () => {
      const hourly = await drive('0 * * * *', 'America/New_York', '2026-11-01T03:30:00Z', '2026-11-01T09:20:00Z', MIN);
      expect(hourly.fired).toEqual(['2026-11-01T04:00:00.000Z', '2026-11-01T05:00:00.000Z', '2026-11-01T07:00:00.000Z', '2026-11-01T08:00:00.000Z', '2026-11-01T09:00:00.000Z']);
      const quarter = await drive('*/15 * * * *', 'America/New_York', '2026-11-01T04:50:00Z', '2026-11-01T07:20:00Z', MIN);
      expect(quarter.fired).toEqual([
        '2026-11-01T05:00:00.000Z', '2026-11-01T05:15:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-01T05:45:00.000Z', '2026-11-01T07:00:00.000Z', '2026-11-01T07:15:00.000Z',
      ]);
    });
  });
});
