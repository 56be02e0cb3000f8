import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createTestDb, requirePostgresInCi, testEngines, type TestDb } from '../../platform/db/testing';
import type { Clock } from '../../platform/clock';
import { createBudgetsStore } from './budgets.store';
import { createBudgetsService, windowsAt } from './budgets.service';

requirePostgresInCi();

describe.each(testEngines())('budget windows (%s)', (engine) => {
  let t: TestDb;
  let now = Date.parse('2026-11-30T23:00:00.000Z');
  const clock: Clock = { now: () => now, sleep: async () => {} };
  const ws = randomUUID();
  beforeAll(async () => {
    t = await createTestDb(engine);
    await t.db.kysely.insertInto('workspaces').values({ id: ws, name: 'budgets', created_at: new Date(now).toISOString() }).execute();
  });
  afterAll(async () => t?.cleanup());

  it('reserves within limits, refuses past them, and rolls the day and month over', async () => {
    const budgets = createBudgetsService({ store: createBudgetsStore(t.db), clock });
    const none = await budgets.status(ws);
    expect(none).toMatchObject({ dailyLimitUsd: null, percentLeft: 100, day: { window: '2026-11-30', spentUsd: 0 }, month: { window: '2026-11' } });

    await budgets.put(ws, { dailyLimitUsd: 1, monthlyLimitUsd: 1.5, onExhausted: 'error', degradeTo: null });
    const a = await budgets.reserve(ws, 0.6);
    expect(a).not.toBeNull();
    expect(await budgets.reserve(ws, 0.6)).toBeNull(); // 0.6 held + 0.6 > 1.00 today
    const held = await budgets.status(ws);
    expect(held.day).toMatchObject({ reservedUsd: 0.6, remainingUsd: 0.4 });
    expect(held.percentLeft).toBeCloseTo(40, 9);

    // The call settles after midnight (and after the month turned): the old windows forgot the hold.
    now = Date.parse('2026-12-01T00:30:00.000Z');
    await budgets.settle(a!, 0.5);
    const fresh = await budgets.status(ws);
    expect(fresh.day).toMatchObject({ window: '2026-12-01', reservedUsd: 0 });
    expect(fresh.month.window).toBe('2026-12');
    expect(fresh.day.spentUsd).toBeCloseTo(0.5, 9);

    const b = await budgets.reserve(ws, 0.5);
    expect(b).toMatchObject({ day: '2026-12-01', month: '2026-12' });
    await budgets.settle(b!, 0.45);
    expect((await budgets.status(ws)).day.spentUsd).toBeCloseTo(0.95, 9);
    expect(await budgets.reserve(ws, 0.1)).toBeNull();
    expect(windowsAt(now)).toEqual({ day: '2026-12-01', month: '2026-12' });
  });
});
