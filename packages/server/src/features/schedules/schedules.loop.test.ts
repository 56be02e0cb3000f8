import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../platform/db/testing';
import { createSchedulesFeature } from './index';
import { fakeRunner, manualClock, newWorkspace, silent, template } from './schedules.test-support';

/** The feature's loop (as main.ts starts it) fires a due run through the injected runner and stops cleanly. */
describe('schedules.fire loop', () => {
  let t: TestDb;
  beforeAll(async () => (t = await createTestDb('sqlite')));
  afterAll(async () => t?.cleanup());

  it('ticks on its own, fires the due run once, reports itself in its status', async () => {
    const ws = await newWorkspace(t.db);
    const clock = manualClock(Date.parse('2026-12-06T08:59:00Z'));
    const runner = fakeRunner();
    const f = createSchedulesFeature({ db: t.db, clock, log: silent, instanceId: 'loop-test', runner, tickMs: 20 });
    await f.service.create(ws, { name: 'nine', cron: '0 9 * * *', timezone: 'UTC', enabled: true, missedRunPolicy: 'skip', target: template });
    const [loop] = f.loops;
    expect(loop?.name).toBe('schedules.fire');
    await loop!.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(runner.calls).toHaveLength(0);
    clock.set(Date.parse('2026-12-06T09:00:02Z'));
    for (let i = 0; i < 100 && runner.calls.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    await loop!.stop();
    expect(runner.calls.map((c) => c.fireAt)).toEqual([Date.parse('2026-12-06T09:00:00Z')]);
    expect(loop!.status()).toMatchObject({ running: false, lastError: null });
    expect(loop!.status().ticks).toBeGreaterThan(3);
  });
});
