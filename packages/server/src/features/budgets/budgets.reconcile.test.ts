import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { openDatabase, type Db } from '../../platform/db';
import { createTestDb, requirePostgresInCi, testEngines, type TestDb } from '../../platform/db/testing';
import type { Clock } from '../../platform/clock';
import { startFakeUpstream, baseUrlFor, type FakeUpstream } from '../../../test/fakes/llm-upstream';
import { buildGateway, type Gateway } from '../../../test/fakes/llm-gateway';
import { createBudgetsStore } from './budgets.store';
import { createBudgetsService } from './budgets.service';

requirePostgresInCi();

const TTL = 60_000;
/** A clock tests move by hand: expiry is decided on it, never on waiting. */
function manualClock(start = Date.UTC(2026, 11, 1, 12)): Clock & { advance(ms: number): void } {
  let t = start;
  return { now: () => t, sleep: async () => undefined, advance: (ms) => (t += ms) };
}

describe.each(testEngines())('budget reservations expire and are reconciled (%s)', (engine) => {
  let t: TestDb;
  const ws = randomUUID();
  beforeAll(async () => {
    t = await createTestDb(engine);
    await t.db.kysely.insertInto('workspaces').values({ id: ws, name: 'reconcile', created_at: new Date().toISOString() }).execute();
  });
  afterAll(async () => t?.cleanup());

  /** One "process": its own database handle, as a real restart would have. */
  async function processOn(clock: Clock, instanceId: string): Promise<{ db: Db; budgets: ReturnType<typeof createBudgetsService> }> {
    const db = await openDatabase(t.target, undefined, { migrate: false });
    return { db, budgets: createBudgetsService({ store: createBudgetsStore(db), clock, instanceId, reservationTtlMs: TTL }) };
  }

  it('a reservation left by a crashed process is released at the next start of that instance, and what it blocked fits again', async () => {
    const clock = manualClock();
    const first = await processOn(clock, 'instance-a');
    await first.budgets.put(ws, { dailyLimitUsd: 1, monthlyLimitUsd: null, onExhausted: 'error', degradeTo: null });
    expect(await first.budgets.reserve(ws, 0.8)).not.toBeNull();
    // The crash: the process goes away between reserve and settle.
    await first.db.close();

    const second = await processOn(clock, 'instance-a');
    expect(await second.budgets.reserve(ws, 0.5), 'the leaked hold blocks new calls').toBeNull();
    expect(await second.budgets.reconcile({ atStart: true })).toBe(1);
    expect((await second.budgets.status(ws)).day.reservedUsd).toBeCloseTo(0, 9);
    const r = await second.budgets.reserve(ws, 0.5);
    expect(r).not.toBeNull();
    await second.budgets.settle(r!, 0.25);
    expect((await second.budgets.status(ws)).day.spentUsd).toBeCloseTo(0.25, 9);
    await second.db.close();
  });

  it('an expired reservation of another instance is released; a live one is not', async () => {
    const clock = manualClock();
    const gone = await processOn(clock, 'instance-gone');
    const live = await processOn(clock, 'instance-live');
    await live.budgets.put(ws, { dailyLimitUsd: 10, monthlyLimitUsd: null, onExhausted: 'error', degradeTo: null });
    const before = (await live.budgets.status(ws)).day;
    expect(await gone.budgets.reserve(ws, 0.3)).not.toBeNull();
    await gone.db.close();
    clock.advance(TTL / 2);
    const held = await live.budgets.reserve(ws, 0.2);
    expect(held).not.toBeNull();

    // Not yet expired: a start of a different instance leaves both alone.
    const starting = await processOn(clock, 'instance-new');
    expect(await starting.budgets.reconcile({ atStart: true })).toBe(0);
    await starting.db.close();
    expect((await live.budgets.status(ws)).day.reservedUsd).toBeCloseTo(before.reservedUsd + 0.5, 9);

    clock.advance(TTL / 2 + 1); // the crashed one is past its expiry, the live one is not
    expect(await live.budgets.reconcile()).toBe(1);
    expect((await live.budgets.status(ws)).day.reservedUsd).toBeCloseTo(before.reservedUsd + 0.2, 9);
    const rows = await createBudgetsStore(t.db).open(ws);
    expect(rows.map((x) => x.holder)).toEqual(['instance-live']);

    // A call that outlives its expiry: the reconcile released its hold, its settle only books the cost.
    clock.advance(TTL);
    expect(await live.budgets.reconcile()).toBe(1);
    await live.budgets.settle(held!, 0.1);
    await live.budgets.settle(held!, 0); // settling twice releases nothing more
    const after = (await live.budgets.status(ws)).day;
    expect(after.reservedUsd).toBeCloseTo(before.reservedUsd, 9);
    expect(after.spentUsd).toBeCloseTo(before.spentUsd + 0.1, 9);
    expect(await createBudgetsStore(t.db).open(ws)).toHaveLength(0);
    await live.db.close();
  });
});

describe.each(testEngines())('gateway calls leave no reservation behind (%s)', (engine) => {
  let up: FakeUpstream;
  let g: Gateway;
  beforeAll(async () => {
    up = await startFakeUpstream();
    g = await buildGateway({ engine, resilience: { timeoutMs: 200, retries: 1 } });
    await g.providers.create(g.workspaceId, {
      kind: 'openai', name: 'p', apiKey: 'sk-test', baseUrl: baseUrlFor(up.url, 'openai'), priority: 1, enabled: true, maxConcurrency: 10,
      defaultModels: { default: 'm' }, pricing: { m: { inputPerMTok: 1, outputPerMTok: 1 } },
    });
  });
  afterAll(async () => {
    await up?.close();
    await g?.cleanup();
  });
  const held = async () => ({ rows: (await createBudgetsStore(g.db).open(g.workspaceId)).length, usd: (await g.budgets.status(g.workspaceId)).day.reservedUsd });
  const call = () => g.llm.generateText({ workspaceId: g.workspaceId, task: 'summarize', prompt: 'hello' });

  it('errors and timeouts release their reservation', async () => {
    up.script(() => ({ status: 500, message: 'boom' }));
    await expect(call()).rejects.toThrow();
    up.script(() => ({ text: 'late', delayMs: 1_000 })); // longer than the 200 ms per-attempt timeout
    await expect(call()).rejects.toThrow();
    expect(await held()).toEqual({ rows: 0, usd: 0 });
  });

  it('a call still in flight at shutdown is aborted by drain and releases its reservation before drain resolves', async () => {
    up.script(() => ({ text: 'never in time', delayMs: 150 }));
    const calls = up.calls.length;
    const pending = call().catch((e: unknown) => e);
    while (up.calls.length === calls) await new Promise((r) => setTimeout(r, 5));
    expect((await held()).rows).toBe(1);
    const { aborted } = await g.llm.drain(Date.now());
    expect(aborted).toBe(1);
    expect(await held()).toEqual({ rows: 0, usd: 0 });
    expect(await pending).toBeInstanceOf(Error);
  });
});
