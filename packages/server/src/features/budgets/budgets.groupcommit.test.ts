import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { createTestDb, requirePostgresInCi, testEngines, type TestDb } from '../../platform/db/testing';
import { systemClock } from '../../platform/clock';
import type { LlmUsageTable } from '../../platform/db/schema';
import { createBudgetsStore } from './budgets.store';
import { createBudgetsService } from './budgets.service';

requirePostgresInCi();

const usageRow = (workspaceId: string, id: string = randomUUID()): LlmUsageTable => ({
  id,
  workspace_id: workspaceId,
  at: Date.now(),
  day: new Date().toISOString().slice(0, 10),
  provider_id: null,
  provider_name: 'p',
  provider_kind: 'openai',
  model: 'm',
  task: 'summarize',
  persona: null,
  session_id: null,
  api_key_id: null,
  input_tokens: 3,
  output_tokens: 2,
  cost_usd: 0.05,
  latency_ms: 1,
  outcome: 'ok',
  error_code: null,
  degraded: 0,
});

describe.each(testEngines())('budget writes grouped into one transaction (%s)', (engine) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(engine);
  });
  afterAll(async () => t?.cleanup());

  async function workspace(dailyLimitUsd: number) {
    const ws = randomUUID();
    await t.db.kysely.insertInto('workspaces').values({ id: ws, name: `ws-${ws.slice(0, 8)}`, created_at: new Date().toISOString() }).execute();
    const store = createBudgetsStore(t.db);
    const batch = store.batch ? vi.fn(store.batch) : undefined;
    const budgets = createBudgetsService({ store: { ...store, batch }, clock: systemClock });
    await budgets.put(ws, { dailyLimitUsd, monthlyLimitUsd: null, onExhausted: 'error', degradeTo: null });
    return { ws, budgets, batch };
  }
  const usageCount = async (ws: string) => (await t.db.kysely.selectFrom('llm_usage').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', ws).executeTakeFirstOrThrow()).n;

  it('settlements and reservations of one moment admit exactly what fits, and book every cost and usage row', async () => {
    const { ws, budgets, batch } = await workspace(1);
    const first = await Promise.all(Array.from({ length: 40 }, () => budgets.reserve(ws, 0.07)));
    expect(first.filter(Boolean)).toHaveLength(14);
    expect((await budgets.status(ws)).day.reservedUsd).toBeCloseTo(14 * 0.07, 9);

    // Ten settle (0.05 each) while 30 more ask: the released 10 x 0.07 makes room for exactly what fits after it.
    const held = first.filter((r) => r !== null);
    const [, second] = await Promise.all([
      Promise.all(held.slice(0, 10).map((r) => budgets.settleAndRecord(r, 0.05, usageRow(ws)))),
      Promise.all(Array.from({ length: 30 }, () => budgets.reserve(ws, 0.07))),
    ]);
    // A reservation that ran before some settlements saw less room (each settlement frees 0.02): never more than
    // fits, and whatever it did not take is still there for the next caller. Left once all ten have settled:
    // 1 - 0.5 spent - 4 x 0.07 still held = 0.22 -> exactly 3 more fit in total.
    const admitted = second.filter(Boolean).length;
    expect(admitted).toBeLessThanOrEqual(3);
    const third = await Promise.all(Array.from({ length: 10 }, () => budgets.reserve(ws, 0.07)));
    expect(admitted + third.filter(Boolean).length).toBe(3);
    const status = await budgets.status(ws);
    expect(status.day.spentUsd).toBeCloseTo(0.5, 9);
    expect(status.day.reservedUsd).toBeCloseTo(7 * 0.07, 9);
    expect(status.day.spentUsd + status.day.reservedUsd).toBeLessThanOrEqual(1);
    expect(await usageCount(ws)).toBe(10);
    if (engine === 'sqlite') {
      // Batches commit at NORMAL and fsync the WAL themselves: the connection is back at FULL for everything else.
      const level = await sql<{ synchronous: number }>`pragma synchronous`.execute(t.db.kysely);
      expect(level.rows[0]?.synchronous).toBe(2);
      // Grouped: far fewer transactions than the 80 operations (each caller still waited for its own commit).
      expect(batch!.mock.calls.length).toBeGreaterThan(0);
      expect(batch!.mock.calls.length).toBeLessThan(10);
    } else {
      expect(batch).toBeUndefined();
    }
  });

  it('a settlement whose usage row cannot be written books nothing: release, cost and row go together or not at all', async () => {
    const { ws, budgets } = await workspace(1);
    const r = await budgets.reserve(ws, 0.3);
    const taken = usageRow(ws);
    await t.db.kysely.insertInto('llm_usage').values(taken).execute();
    const other = await budgets.reserve(ws, 0.2);
    const results = await Promise.allSettled([budgets.settleAndRecord(r!, 0.25, usageRow(ws, taken.id)), budgets.settleAndRecord(other!, 0.1, usageRow(ws))]);
    expect(results[0]!.status).toBe('rejected');
    const status = await budgets.status(ws);
    if (engine === 'sqlite') {
      // Both were in the failed transaction: neither is released nor booked, both rows are still held.
      expect(results[1]!.status).toBe('rejected');
      expect(status.day).toMatchObject({ spentUsd: 0 });
      expect(status.day.reservedUsd).toBeCloseTo(0.5, 9);
      expect(await usageCount(ws)).toBe(1);
    } else {
      // PostgreSQL settles each call in its own statement: the failed one releases and books nothing, the other does.
      expect(results[1]!.status).toBe('fulfilled');
      expect(status.day.spentUsd).toBeCloseTo(0.1, 9);
      expect(status.day.reservedUsd).toBeCloseTo(0.3, 9);
      expect(await usageCount(ws)).toBe(2);
    }
  });
});

describe('grouped budget writes while the main SQLite connection holds a write transaction', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb('sqlite');
  });
  afterAll(async () => t?.cleanup());

  it('waits for it without blocking the thread, then admits the reservation', async () => {
    const ws = randomUUID();
    await t.db.kysely.insertInto('workspaces').values({ id: ws, name: 'held', created_at: new Date().toISOString() }).execute();
    const budgets = createBudgetsService({ store: createBudgetsStore(t.db), clock: systemClock });
    await budgets.put(ws, { dailyLimitUsd: 1, monthlyLimitUsd: null, onExhausted: 'error', degradeTo: null });
    const warm = await budgets.reserve(ws, 0.1);
    await budgets.settle(warm!, 0);

    let finish!: () => void;
    const held = new Promise<void>((resolve) => (finish = resolve));
    const tx = t.db.kysely.transaction().execute(async (trx) => {
      // A write: the transaction holds SQLite's write lock until `finish`, across awaits.
      await trx.insertInto('workspaces').values({ id: randomUUID(), name: 'writer', created_at: new Date().toISOString() }).execute();
      await held;
    });
    await new Promise((r) => setTimeout(r, 20));
    let settled = false;
    const pending = budgets.reserve(ws, 0.2).then((r) => {
      settled = true;
      return r;
    });
    // The event loop keeps turning (a busy handler sleeping in SQLite would freeze it) and the batch waits.
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    await new Promise((r) => setTimeout(r, 100));
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(3);
    expect(settled).toBe(false);
    finish();
    await tx;
    expect(await pending).not.toBeNull();
    expect((await budgets.status(ws)).day.reservedUsd).toBeCloseTo(0.2, 9);
  });
});
