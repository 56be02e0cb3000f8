import { randomUUID } from 'node:crypto';
import type { BudgetStatus, PutBudgetBody } from '@autopilot/contracts';
import type { Clock } from '../../platform/clock';
import type { LlmBudgetReservationsTable, LlmBudgetsTable, LlmUsageTable } from '../../platform/db/schema';
import type { EventBus } from '../../platform/events/bus';
import type { Logger } from '../../platform/logger';
import type { BatchRelease, BatchResult, BudgetsStore } from './budgets.store';
import { createThresholdWatch } from './budgets.thresholds';

/** An amount held against a workspace's budget while a call is in flight. */
export interface Reservation {
  id: string;
  workspaceId: string;
  amountUsd: number;
  day: string;
  month: string;
}

/** What routing and the gateway need to know about a workspace's budget before a call. */
export interface BudgetSnapshot {
  percentLeft: number;
  onExhausted: 'error' | 'degrade';
  degradeTo: { provider: string; model: string } | null;
}

export interface BudgetsDeps {
  store: BudgetsStore;
  clock: Clock;
  /** Written on each reservation so a restart of the same instance (stable INSTANCE_ID) can release its own. */
  instanceId?: string;
  /**
   * How long a reservation may be held before the reconcile releases it: longer than any call can take (the
   * gateway derives it from its timeout and retries). Default 5 minutes.
   */
  reservationTtlMs?: number;
  /**
   * Group commit on SQLite (default true): reservations and settlements that arrive in the same turn of the event
   * loop are written in one transaction (one commit) instead of one or two commits each. Each caller still waits
   * for its own write to be committed, so nothing is acknowledged before it is durable. No effect on PostgreSQL.
   */
  groupCommit?: boolean;
  /** Where `budget.threshold` goes (80% and 100% of a window's limit, once per period); none = not announced. */
  bus?: EventBus;
  log?: Logger;
}

/** Most operations one group commit takes; the rest go in the next one. */
const GROUP_MAX = 256;

interface Waiter<T> {
  resolve(v: T): void;
  reject(e: unknown): void;
}

/** Default expiry of a reservation when the caller does not derive one. */
export const DEFAULT_RESERVATION_TTL_MS = 5 * 60_000;
/** Reservations released per reconcile pass (the next pass takes the rest). */
const RECONCILE_BATCH = 500;

/** UTC day (YYYY-MM-DD) and month (YYYY-MM) windows of a time. */
export function windowsAt(ms: number): { day: string; month: string } {
  const d = new Date(ms).toISOString();
  return { day: d.slice(0, 10), month: d.slice(0, 7) };
}

const pct = (limit: number | null, used: number) => (limit === null ? null : limit <= 0 ? 0 : Math.max(0, Math.min(100, (100 * (limit - used)) / limit)));

/**
 * Daily and monthly USD budgets per workspace. Every gateway call reserves its estimated cost first (atomically,
 * in the database) and settles the actual cost afterwards, so concurrent calls overshoot a limit by at most one
 * call's underestimate, never by the number of calls in flight.
 */
export function createBudgetsService(deps: BudgetsDeps) {
  const { store, clock } = deps;
  const holder = deps.instanceId ?? 'local';
  const ttlMs = deps.reservationTtlMs ?? DEFAULT_RESERVATION_TTL_MS;
  const ensured = new Set<string>();
  const group = deps.groupCommit !== false && store.batch ? createGroupCommit(store.batch, clock) : null;
  const watch = deps.bus ? createThresholdWatch({ store, bus: deps.bus, clock }) : null;

  /** After spend was booked: announce a threshold it reached (never fails the settle). */
  async function thresholds(workspaceId: string): Promise<void> {
    if (!watch) return;
    try {
      const row = await store.get(workspaceId);
      if (row) await watch(row);
    } catch (err) {
      deps.log?.warn({ err, workspaceId }, 'could not check the budget thresholds');
    }
  }

  async function ensure(workspaceId: string): Promise<void> {
    if (ensured.has(workspaceId)) return;
    const now = clock.now();
    const w = windowsAt(now);
    await store.ensure({
      workspace_id: workspaceId,
      daily_limit_usd: null,
      monthly_limit_usd: null,
      on_exhausted: 'error',
      degrade_to: null,
      day_key: w.day,
      day_spent: 0,
      day_reserved: 0,
      month_key: w.month,
      month_spent: 0,
      month_reserved: 0,
      updated_at: now,
    });
    ensured.add(workspaceId);
  }

  async function current(workspaceId: string): Promise<LlmBudgetsTable> {
    await ensure(workspaceId);
    const now = clock.now();
    const w = windowsAt(now);
    let row = await store.get(workspaceId);
    if (row && (row.day_key !== w.day || row.month_key !== w.month)) {
      await store.rollover(workspaceId, w.day, w.month, now);
      row = await store.get(workspaceId);
    }
    if (!row) throw new Error(`budget row for workspace ${workspaceId} vanished`);
    return row;
  }

  function toStatus(r: LlmBudgetsTable): BudgetStatus {
    const window = (key: string, limit: number | null, spent: number, reserved: number) => ({
      window: key,
      limitUsd: limit,
      spentUsd: spent,
      reservedUsd: Math.max(0, reserved),
      remainingUsd: limit === null ? null : Math.max(0, limit - spent - Math.max(0, reserved)),
      percentLeft: pct(limit, spent + Math.max(0, reserved)),
    });
    const day = window(r.day_key, r.daily_limit_usd, r.day_spent, r.day_reserved);
    const month = window(r.month_key, r.monthly_limit_usd, r.month_spent, r.month_reserved);
    return {
      dailyLimitUsd: r.daily_limit_usd,
      monthlyLimitUsd: r.monthly_limit_usd,
      onExhausted: r.on_exhausted === 'degrade' ? 'degrade' : 'error',
      degradeTo: r.degrade_to ? (JSON.parse(r.degrade_to) as { provider: string; model: string }) : null,
      day,
      month,
      percentLeft: Math.min(day.percentLeft ?? 100, month.percentLeft ?? 100),
    };
  }

  async function settle(r: Reservation, actualUsd: number, usage?: LlmUsageTable): Promise<void> {
    const now = clock.now();
    const w = windowsAt(now);
    if (w.day !== r.day || w.month !== r.month) await store.rollover(r.workspaceId, w.day, w.month, now);
    const release = { id: r.id, workspace_id: r.workspaceId, actual: actualUsd, usage };
    if (group) await group.release(release);
    else if (usage) await store.releaseAndRecord(release, actualUsd, now, usage);
    else await store.release(release, actualUsd, now);
    if (actualUsd > 0) await thresholds(r.workspaceId);
  }

  return {
    /** Limits, policy and both windows' spent/reserved amounts. */
    status: async (workspaceId: string) => toStatus(await current(workspaceId)),

    /** Replaces the limits and the exhaustion policy; counters are kept. */
    async put(workspaceId: string, body: PutBudgetBody) {
      await ensure(workspaceId);
      await store.setPolicy(workspaceId, {
        daily_limit_usd: body.dailyLimitUsd,
        monthly_limit_usd: body.monthlyLimitUsd,
        on_exhausted: body.onExhausted,
        degrade_to: body.degradeTo ? JSON.stringify(body.degradeTo) : null,
        updated_at: clock.now(),
      });
      // A lower limit may put this period's spend past a threshold already.
      await thresholds(workspaceId);
      return toStatus(await current(workspaceId));
    },

    async snapshot(workspaceId: string): Promise<BudgetSnapshot> {
      const s = toStatus(await current(workspaceId));
      return { percentLeft: s.percentLeft, onExhausted: s.onExhausted, degradeTo: s.degradeTo };
    },

    /**
     * Holds `amountUsd` against both windows, or returns null when that would pass a limit. The hold expires after
     * the reservation TTL: the reconcile releases it if no settle came (crash, lost process, call that never ended).
     */
    async reserve(workspaceId: string, amountUsd: number): Promise<Reservation | null> {
      await ensure(workspaceId);
      const now = clock.now();
      const w = windowsAt(now);
      const r: Reservation = { id: randomUUID(), workspaceId, amountUsd, ...w };
      const row = { id: r.id, workspace_id: workspaceId, amount_usd: amountUsd, day_key: w.day, month_key: w.month, holder, created_at: now, expires_at: now + ttlMs };
      if (await (group ? group.reserve(row) : store.reserve(row, now))) return r;
      // Either a limit is reached or a window has turned over since the last call: roll over and try once more.
      const cur = await store.get(workspaceId);
      if (cur && (cur.day_key !== w.day || cur.month_key !== w.month)) {
        await store.rollover(workspaceId, w.day, w.month, now);
        if (await store.reserve(row, now)) return r;
      }
      return null;
    },

    /**
     * Releases a reservation and books what the call actually cost (0 when it failed before using tokens). A call
     * that ends after its day or month turned over is booked to the new window, which never held its reservation;
     * one that ends after the reconcile released its expired hold only books its cost. Settling twice releases once.
     */
    async settle(r: Reservation, actualUsd: number): Promise<void> {
      await settle(r, actualUsd);
    },

    /**
     * `settle`, and the call's usage row written with it: on SQLite in the same transaction (grouped with the
     * other calls of the moment), on PostgreSQL in the release's statement. Resolves once both are committed.
     */
    async settleAndRecord(r: Reservation, actualUsd: number, usage: LlmUsageTable): Promise<void> {
      await settle(r, actualUsd, usage);
    },

    /**
     * Releases every expired reservation (and, with `atStart`, every one this instance id held in a previous life:
     * none of its calls survived the restart). Run at start and periodically, so a crash never leaks budget.
     * Returns how many holds it released.
     */
    async reconcile(opts: { atStart?: boolean } = {}): Promise<number> {
      let released = 0;
      for (;;) {
        const now = clock.now();
        const rows = await store.stale(now, opts.atStart ? holder : null, RECONCILE_BATCH);
        for (const row of rows) if (await store.release(row, 0, now)) released++;
        if (rows.length < RECONCILE_BATCH) return released;
      }
    },
  };
}
export type BudgetsService = ReturnType<typeof createBudgetsService>;

/**
 * Collects reservations and releases until the current turn of the event loop ends (setImmediate), then writes
 * them with one `store.batch`; while a batch is being written the next one collects. A batch that fails rejects
 * each of its callers with the error (nothing of it was committed).
 */
function createGroupCommit(batch: NonNullable<BudgetsStore['batch']>, clock: Clock) {
  const reserves: Array<{ row: LlmBudgetReservationsTable } & Waiter<boolean>> = [];
  const releases: Array<{ rel: BatchRelease } & Waiter<boolean>> = [];
  let scheduled = false;
  let writing = false;

  const schedule = () => {
    if (scheduled || writing) return;
    scheduled = true;
    setImmediate(() => void flush());
  };

  async function flush(): Promise<void> {
    scheduled = false;
    writing = true;
    const rs = releases.splice(0, GROUP_MAX);
    const vs = reserves.splice(0, Math.max(0, GROUP_MAX - rs.length));
    let out: BatchResult;
    try {
      out = await batch(
        vs.map((v) => v.row),
        rs.map((r) => r.rel),
        clock.now(),
      );
    } catch (err) {
      for (const w of [...vs, ...rs]) w.reject(err);
      return;
    } finally {
      // Committed: the next batch may be written while this one's fsync is still running.
      writing = false;
      if (reserves.length || releases.length) schedule();
    }
    // Answered only once on disk: no caller acts on (or is told about) a write a power loss could take back.
    try {
      await out.durable;
      vs.forEach((v, i) => v.resolve(out.admitted[i] ?? false));
      rs.forEach((r, i) => r.resolve(out.released[i] ?? false));
    } catch (err) {
      for (const w of [...vs, ...rs]) w.reject(err);
    }
  }

  return {
    reserve: (row: LlmBudgetReservationsTable) =>
      new Promise<boolean>((resolve, reject) => {
        reserves.push({ row, resolve, reject });
        schedule();
      }),
    release: (rel: BatchRelease) =>
      new Promise<boolean>((resolve, reject) => {
        releases.push({ rel, resolve, reject });
        schedule();
      }),
  };
}
