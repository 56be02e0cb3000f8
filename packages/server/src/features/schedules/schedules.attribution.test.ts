import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorRef, currentActor } from '../../platform/actor';
import { createTestDb, requirePostgresInCi, testEngines, type TestDb } from '../../platform/db/testing';
import { fakeRunner, manualClock, newWorkspace, service, template } from './schedules.test-support';

requirePostgresInCi();

/** A schedule's run works as the schedule (issue #16): what it launches is attributed to schedule:<id>. */
describe.each(testEngines())('a schedule fires as its actor (%s)', (engine) => {
  let t: TestDb;
  let ws: string;
  beforeAll(async () => {
    t = await createTestDb(engine);
    ws = await newWorkspace(t.db);
  });
  afterAll(async () => t?.cleanup());

  it('the runner sees schedule:<id> with the schedule name; outside the run the system actor', async () => {
    const start = Date.parse('2026-06-01T10:00:00Z');
    const clock = manualClock(start);
    const seen: Array<{ ref: string; name: string }> = [];
    const runner = fakeRunner(() => {
      seen.push({ ref: actorRef(currentActor()), name: currentActor().name });
      return { outcome: 'ok' };
    });
    const s = service(t.db, clock, { runner, lateAfterMs: 10 * 60_000 });
    const sch = await s.create(ws, { name: 'every five', cron: '*/5 * * * *', timezone: 'UTC', enabled: true, missedRunPolicy: 'skip', target: template });
    clock.set(start + 5 * 60_000);
    await s.tick();
    expect(seen).toEqual([{ ref: `schedule:${sch.id}`, name: 'every five' }]);
    expect(actorRef(currentActor())).toBe('system:system');
  });
});
