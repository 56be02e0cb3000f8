/**
 * What SQLite `synchronous = FULL` costs against `NORMAL` (both in WAL mode) on the writes that guard money and
 * actions: a budget reservation + settle (what every LLM gateway call adds), and an intent + settle pair of row
 * writes like the keeper's ledger (measured on the lease table, the same single-row insert/update shape). Each
 * round runs both modes on fresh files in the same temp directory, alternating, so disk and CPU drift hit both.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { openDatabase, type Db } from '../../packages/server/src/platform/db';
import { systemClock } from '../../packages/server/src/platform/clock';
import { createLeases } from '../../packages/server/src/platform/db/leases';
import { createBudgetsStore } from '../../packages/server/src/features/budgets/budgets.store';
import { createBudgetsService } from '../../packages/server/src/features/budgets/budgets.service';
import { percentile, round } from '../lib/stats';

type Mode = 'NORMAL' | 'FULL';

async function open(mode: Mode): Promise<{ db: Db; ws: string; close(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-sync-${mode}-`));
  const db = await openDatabase({ kind: 'sqlite', file: path.join(dir, 'b.db') }, undefined, { synchronous: mode });
  const ws = randomUUID();
  await db.kysely.insertInto('workspaces').values({ id: ws, name: 'bench', created_at: new Date().toISOString() }).execute();
  return { db, ws, close: async () => { await db.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
}

/** Microseconds per operation, one after the other (each commit waits for the disk under FULL). */
async function sequential(n: number, op: (i: number) => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await op(i);
    out.push((performance.now() - t) * 1000);
  }
  return out;
}

async function measure(mode: Mode, n: number) {
  const o = await open(mode);
  const budgets = createBudgetsService({ store: createBudgetsStore(o.db), clock: systemClock, instanceId: 'bench' });
  await budgets.put(o.ws, { dailyLimitUsd: 1e9, monthlyLimitUsd: null, onExhausted: 'error', degradeTo: null });
  const budget = await sequential(n, async () => {
    const r = await budgets.reserve(o.ws, 0.01);
    await budgets.settle(r!, 0.005);
  });
  const leases = createLeases(o.db);
  const ledger = await sequential(n, async (i) => {
    await leases.tryLease(`bench-${i}`, 'bench', Date.now(), 60_000);
    await leases.releaseLease(`bench-${i}`, 'bench');
  });
  // 50 gateway calls at once: how many reserve+settle pairs per second the single writer gets through.
  const t = performance.now();
  await Promise.all(Array.from({ length: 50 }, async () => {
    for (let i = 0; i < n / 50; i++) {
      const r = await budgets.reserve(o.ws, 0.01);
      await budgets.settle(r!, 0.005);
    }
  }));
  const perSec = n / ((performance.now() - t) / 1000);
  await o.close();
  return { budget, ledger, perSec };
}

export async function run({ quick }: { quick: boolean }) {
  const n = quick ? 400 : 2000;
  const rounds = quick ? 2 : 3;
  const acc: Record<Mode, { budget: number[]; ledger: number[]; perSec: number[] }> = {
    NORMAL: { budget: [], ledger: [], perSec: [] },
    FULL: { budget: [], ledger: [], perSec: [] },
  };
  for (let r = 0; r < rounds; r++) {
    for (const mode of (r % 2 ? ['FULL', 'NORMAL'] : ['NORMAL', 'FULL']) as Mode[]) {
      const m = await measure(mode, n);
      acc[mode].budget.push(...m.budget);
      acc[mode].ledger.push(...m.ledger);
      acc[mode].perSec.push(m.perSec);
    }
  }
  const med = (xs: number[]) => percentile(xs, 50);
  const fig = (name: string, pick: (m: Mode) => number, unit: string, note?: string) => ({
    name, value: round(pick('FULL'), 1), unit, baseline: round(pick('NORMAL'), 1), ratio: round(pick('FULL') / pick('NORMAL'), 3), ...(note ? { note } : {}),
  });
  const what = `${rounds} rounds x ${n}, value = FULL, baseline = NORMAL`;
  return [
    fig(`budget reserve + settle p50 (${what})`, (m) => med(acc[m].budget), 'µs'),
    fig('budget reserve + settle p99', (m) => percentile(acc[m].budget, 99), 'µs'),
    fig('ledger-shaped intent + settle p50', (m) => med(acc[m].ledger), 'µs'),
    fig('ledger-shaped intent + settle p99', (m) => percentile(acc[m].ledger, 99), 'µs'),
    fig('budget reserve + settle, 50 concurrent callers', (m) => med(acc[m].perSec), 'pairs/s', 'median of the rounds'),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await run({ quick: process.argv.includes('--quick') }));
