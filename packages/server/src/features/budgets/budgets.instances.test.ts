import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { openDatabase, type Db } from '../../platform/db';
import { createTestDb, requirePostgresInCi, testEngines, type TestDb } from '../../platform/db/testing';
import { systemClock } from '../../platform/clock';
import { createBudgetsStore } from './budgets.store';
import { createBudgetsService } from './budgets.service';

requirePostgresInCi();

/**
 * Two instances (two database handles, as two processes would have) reserving against one workspace budget at
 * once: the conditional UPDATE admits exactly as many reservations as fit, no matter who asks.
 */
describe.each(testEngines())('budget reservations across instances (%s)', (engine) => {
  let t: TestDb;
  let second: Db;
  const ws = randomUUID();
  beforeAll(async () => {
    t = await createTestDb(engine);
    second = await openDatabase(t.target, undefined, { migrate: false });
    await t.db.kysely.insertInto('workspaces').values({ id: ws, name: 'shared', created_at: new Date().toISOString() }).execute();
  });
  afterAll(async () => {
    await second?.close();
    await t?.cleanup();
  });

  it('admits exactly floor(limit / amount) of 100 concurrent reservations from two instances', async () => {
    const a = createBudgetsService({ store: createBudgetsStore(t.db), clock: systemClock });
    const b = createBudgetsService({ store: createBudgetsStore(second), clock: systemClock });
    await a.put(ws, { dailyLimitUsd: 1, monthlyLimitUsd: null, onExhausted: 'error', degradeTo: null });
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).reserve(ws, 0.07)));
    const admitted = results.filter((r) => r !== null);
    expect(admitted).toHaveLength(14);
    const status = await b.status(ws);
    expect(status.day.reservedUsd).toBeCloseTo(14 * 0.07, 9);
    expect(status.day.reservedUsd).toBeLessThanOrEqual(1);
    await Promise.all(admitted.map((r, i) => (i % 2 ? a : b).settle(r!, 0.05)));
    const settled = await a.status(ws);
    expect(settled.day.reservedUsd).toBeCloseTo(0, 9);
    expect(settled.day.spentUsd).toBeCloseTo(14 * 0.05, 9);
  });
});
