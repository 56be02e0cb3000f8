import fsCallback from 'node:fs';
import SQLite from 'better-sqlite3';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import type { Db } from '../../platform/db';
import type { BudgetAlertsTable, Database, LlmBudgetReservationsTable, LlmBudgetsTable, LlmUsageTable } from '../../platform/db/schema';

/** One release of a batch: the reservation to end, the cost to book, and optionally the call's usage row. */
export interface BatchRelease {
  id: string;
  workspace_id: string;
  actual: number;
  usage?: LlmUsageTable;
}

/** What a batch did: per reserve whether it was admitted, per release whether it released the held amount. */
export interface BatchResult {
  admitted: boolean[];
  released: boolean[];
  /**
   * Resolves once the batch is on disk as the database's `synchronous` setting asks (FULL: the WAL fsynced).
   * Committed (visible) comes first, so the next batch can be written while this one's fsync runs.
   */
  durable: Promise<void>;
}

/**
 * SQLite budget writes of this process, one at a time. A batch on Kysely's connection (no own connection, see
 * sqliteBatch) holds a write transaction across awaits; a second database handle in the same thread (several
 * "instances" in one test process) that tried to write meanwhile would wait in SQLite's busy handler, blocking
 * the very thread that has to finish the transaction. Every budget write on SQLite takes this lock, whichever
 * handle it uses, so they never meet. Module-wide on purpose.
 */
let sqliteWriteTail: Promise<unknown> = Promise.resolve();
function sqliteLocked<T>(fn: () => Promise<T>): Promise<T> {
  const run = sqliteWriteTail.then(fn, fn);
  sqliteWriteTail = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}

/** llm_usage columns in insert order (a multi-row insert names them once). */
const USAGE_COLUMNS = [
  'id', 'workspace_id', 'at', 'day', 'provider_id', 'provider_name', 'provider_kind', 'model', 'task', 'persona', 'session_id',
  'api_key_id', 'input_tokens', 'output_tokens', 'cost_usd', 'latency_ms', 'outcome', 'error_code', 'degraded',
  'price_known', 'actor', 'actor_name',
] as const satisfies ReadonlyArray<keyof LlmUsageTable>;
const RESERVATION_COLUMNS = ['id', 'workspace_id', 'amount_usd', 'day_key', 'month_key', 'holder', 'created_at', 'expires_at'] as const satisfies ReadonlyArray<keyof LlmBudgetReservationsTable>;
/** Rows per multi-row statement: 22 columns x 200 stays far below SQLite's 32,766 bound parameters. */
const ROWS_PER_STATEMENT = 200;

const placeholders = (rows: number, cols: number) => {
  const one = `(${new Array(cols).fill('?').join(', ')})`;
  return new Array(rows).fill(one).join(', ');
};

/** Multi-row INSERTs of `rows` into `table`, `ROWS_PER_STATEMENT` at a time, as precompiled SQL (no query builder per row). */
async function insertRows<R extends object>(c: Kysely<Database>, table: string, columns: ReadonlyArray<keyof R>, rows: R[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    const params: unknown[] = [];
    for (const r of chunk) for (const col of columns) params.push(r[col] ?? null);
    await c.executeQuery(CompiledQuery.raw(`insert into ${table} (${columns.join(', ')}) values ${placeholders(chunk.length, columns.length)}`, params));
  }
}

/** How long a group commit keeps retrying while another connection of this process holds the write lock. */
const BUSY_GIVE_UP_MS = 10_000;

/**
 * The group commit's own connection to the SQLite file, with its statements prepared once (Kysely's driver
 * prepares every statement again, ~40 us each here). A batch is ONE synchronous better-sqlite3 transaction
 * (`begin immediate`): nothing else in the thread runs while it holds the write lock, so it can never block a
 * transaction of the main connection half-way. The other way round (the main connection holds a write
 * transaction across awaits, e.g. a mirror page) it gets SQLITE_BUSY at once (busy_timeout 0) and retries on a
 * timer instead of sleeping in SQLite's busy handler, which would block the thread the holder needs.
 * Opened only when the database runs FULL (or EXTRA) in WAL mode: this connection commits at NORMAL and the
 * store fdatasyncs the WAL itself before answering (see planSync).
 */
function openRawWriter(file: string, level: number) {
  const conn = new SQLite(file, { fileMustExist: true });
  conn.pragma('busy_timeout = 0');
  conn.pragma('foreign_keys = ON');
  conn.pragma(`synchronous = ${level >= 1 ? 'NORMAL' : 'OFF'}`); // the WAL is synced by the store (syncWal)
  const del = conn.prepare('delete from llm_budget_reservations where id = ?');
  const book = conn.prepare('update llm_budgets set day_spent = day_spent + ?, month_spent = month_spent + ?, updated_at = ? where workspace_id = ?');
  const insUsage = conn.prepare(`insert into llm_usage (${USAGE_COLUMNS.join(', ')}) values (${USAGE_COLUMNS.map(() => '?').join(', ')})`);
  const budgetRow = conn.prepare('select * from llm_budgets where workspace_id = ?');
  const insRes = conn.prepare(`insert into llm_budget_reservations (${RESERVATION_COLUMNS.join(', ')}) values (${RESERVATION_COLUMNS.map(() => '?').join(', ')})`);
  const tx = conn.transaction((reserves: LlmBudgetReservationsTable[], releases: BatchRelease[], now: number) => {
    const released = releases.map((r) => del.run(r.id).changes === 1);
    const cost = new Map<string, number>();
    for (const r of releases) if (r.actual !== 0) cost.set(r.workspace_id, (cost.get(r.workspace_id) ?? 0) + r.actual);
    for (const [ws, usd] of cost) book.run(usd, usd, now, ws);
    for (const r of releases) if (r.usage) insUsage.run(USAGE_COLUMNS.map((c) => r.usage![c] ?? null));
    const rows = new Map<string, LlmBudgetsTable | undefined>();
    const admitted = reserves.map((r) => {
      if (!rows.has(r.workspace_id)) rows.set(r.workspace_id, budgetRow.get(r.workspace_id) as LlmBudgetsTable | undefined);
      const b = rows.get(r.workspace_id);
      // A missing row or another window: not admitted here (the service rolls over and retries alone).
      if (!b || b.day_key !== r.day_key || b.month_key !== r.month_key) return false;
      const a = r.amount_usd;
      const fits =
        (b.daily_limit_usd === null || b.day_spent + b.day_reserved + a <= b.daily_limit_usd) &&
        (b.monthly_limit_usd === null || b.month_spent + b.month_reserved + a <= b.monthly_limit_usd);
      if (!fits) return false;
      // The insert trigger adds the amount to the row's counters: re-read after it rather than adding here.
      insRes.run(RESERVATION_COLUMNS.map((c) => r[c]));
      rows.set(r.workspace_id, budgetRow.get(r.workspace_id) as LlmBudgetsTable | undefined);
      return true;
    });
    return { admitted, released };
  });
  return {
    async run(reserves: LlmBudgetReservationsTable[], releases: BatchRelease[], now: number): Promise<Omit<BatchResult, 'durable'>> {
      const started = Date.now();
      for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
        try {
          return tx.immediate(reserves, releases, now);
        } catch (err) {
          if (!String((err as { code?: string }).code).startsWith('SQLITE_BUSY') || Date.now() - started > BUSY_GIVE_UP_MS) throw err;
        }
        await new Promise((r) => setTimeout(r, wait));
      }
    },
  };
}

/**
 * Budget rows: limits plus both windows' counters. Reservations are single conditional UPDATEs whose WHERE clause
 * holds the limit check, so concurrent callers (in one process or many, on SQLite or PostgreSQL) cannot all pass
 * it: the database serialises the row updates and each re-evaluates the condition on the current values.
 */
export function createBudgetsStore(db: Db) {
  const k = db.kysely;
  const write = <T>(fn: () => Promise<T>): Promise<T> => (db.dialect === 'sqlite' ? sqliteLocked(fn) : fn());
  /**
   * How a batch becomes durable. At synchronous=FULL (or EXTRA) in WAL mode the batch commits at NORMAL (no fsync
   * on the event loop: better-sqlite3 is synchronous, so SQLite's own fsync would stall every request for the
   * disk's flush time) and the WAL file is then fdatasync'ed on libuv's thread pool; callers are answered only
   * after that, so what they are told is on disk exactly as with FULL. WAL frames are appended in order, so one
   * sync covers every earlier commit too. Read once per store: the pragma and the file do not change.
   */
  let syncPlan: Promise<{ restore: number; wal: string; raw: ReturnType<typeof openRawWriter> | null } | null> | undefined;
  const planSync = (c: Kysely<Database>) =>
    (syncPlan ??= (async () => {
      const level = Number(Object.values((await c.executeQuery(CompiledQuery.raw('pragma synchronous'))).rows[0] ?? {})[0] ?? 2);
      const mode = String(Object.values((await c.executeQuery(CompiledQuery.raw('pragma journal_mode'))).rows[0] ?? {})[0] ?? '');
      const file = (await c.executeQuery<{ file: string }>(CompiledQuery.raw("select file from pragma_database_list where name = 'main'"))).rows[0]?.file;
      if (!(level >= 2 && mode.toLowerCase() === 'wal' && file)) return null;
      // The group commit's own connection (see openRawWriter); if it cannot be opened, the batch runs on Kysely's.
      let raw: ReturnType<typeof openRawWriter> | null = null;
      try {
        raw = openRawWriter(file, level);
      } catch {
        raw = null;
      }
      return { restore: level, wal: `${file}-wal`, raw };
    })());
  // The WAL file stays open for the store's life (SQLite keeps the file, and its inode, while a connection is
  // open); a plain descriptor, so no FileHandle is ever closed by the garbage collector with a warning.
  let walFd: number | undefined;
  const datasync = (fd: number) => new Promise<void>((resolve, reject) => fsCallback.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
  const syncWal = async (wal: string): Promise<void> => {
    walFd ??= fsCallback.openSync(wal, 'r');
    const fd = walFd;
    try {
      await datasync(fd);
    } catch {
      // A descriptor that went stale (the file was recreated): open it again once.
      if (walFd === fd) walFd = undefined;
      fsCallback.close(fd, () => undefined);
      walFd ??= fsCallback.openSync(wal, 'r');
      await datasync(walFd);
    }
  };

  return {
    get: (workspaceId: string) => k.selectFrom('llm_budgets').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst(),

    /** Records a threshold announcement unless one exists (once per budget, period and percent): true for the one writer. */
    alertOnce: (row: BudgetAlertsTable): Promise<boolean> =>
      write(async () => {
        const r = await k.insertInto('budget_alerts').values(row).onConflict((oc) => oc.columns(['budget_id', 'period', 'percent']).doNothing()).executeTakeFirst();
        return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
      }),

    /** Creates the workspace's row (no limits) unless it exists. */
    ensure: (row: LlmBudgetsTable) =>
      write(() =>
        k
          .insertInto('llm_budgets')
          .values(row)
          .onConflict((oc) => oc.column('workspace_id').doNothing())
          .execute(),
      ),

    setPolicy: (workspaceId: string, p: Pick<LlmBudgetsTable, 'daily_limit_usd' | 'monthly_limit_usd' | 'on_exhausted' | 'degrade_to' | 'updated_at'>) =>
      write(() => k.updateTable('llm_budgets').set(p).where('workspace_id', '=', workspaceId).execute()),

    /** Starts new windows when the day or month has changed; in-flight reservations of the old window are dropped. */
    rollover: (workspaceId: string, day: string, month: string, now: number) =>
      write(async () => {
        await k
          .updateTable('llm_budgets')
          .set({ day_key: day, day_spent: 0, day_reserved: 0, updated_at: now })
          .where('workspace_id', '=', workspaceId)
          .where('day_key', '<>', day)
          .execute();
        await k
          .updateTable('llm_budgets')
          .set({ month_key: month, month_spent: 0, month_reserved: 0, updated_at: now })
          .where('workspace_id', '=', workspaceId)
          .where('month_key', '<>', month)
          .execute();
      }),

    /**
     * Records the reservation and adds its amount to both windows if neither limit would be passed, as one
     * statement (a counter without its row could never be released); true when it did. PostgreSQL: the
     * conditional UPDATE (row lock, condition re-checked on the current values) feeds the INSERT in a CTE.
     * SQLite: INSERT ... SELECT under the database's single writer, triggers move the counters.
     */
    reserve: (r: LlmBudgetReservationsTable, now: number): Promise<boolean> => write(() => reserveOne(r, now)),

    /**
     * Ends a reservation: deletes its row and, only if this call deleted it, takes its amount off the windows it
     * was made in (a window that rolled over meanwhile already forgot it); books `actual` to the current windows.
     * Deleting and releasing in one statement makes settle and the expiry reconcile release a hold exactly once
     * between them. Returns true when this call released the held amount.
     */
    release: (r: Pick<LlmBudgetReservationsTable, 'id' | 'workspace_id'>, actual: number, now: number): Promise<boolean> => write(() => releaseOne(r, actual, now)),

    /**
     * `release` and the call's usage row as one statement on PostgreSQL (a CTE inserts the row), so the cost is
     * booked exactly when the row is written. SQLite settles through `batch` (same transaction); without a batch
     * (the group commit off) it releases, then inserts.
     */
    releaseAndRecord: (r: Pick<LlmBudgetReservationsTable, 'id' | 'workspace_id'>, actual: number, now: number, usage: LlmUsageTable): Promise<boolean> =>
      write(async () => {
        if (db.dialect === 'postgres') return releaseOne(r, actual, now, usage);
        const released = await releaseOne(r, actual, now);
        await k.insertInto('llm_usage').values(usage).execute();
        return released;
      }),

    /** One usage row on its own: a call that reserved nothing (refused before any target). */
    insertUsage: (row: LlmUsageTable) => write(() => k.insertInto('llm_usage').values(row).execute()),

    /**
     * SQLite only (undefined on PostgreSQL): many releases and reservations in ONE write transaction, so a burst
     * of concurrent calls costs one commit (one fsync at synchronous=FULL) and a handful of statements instead of
     * three autocommits per call. `begin immediate` takes the database's write lock first, so nothing else writes
     * between the read of the counters and the inserts: releases go first (deleted rows release their holds
     * through the trigger, costs booked per workspace, usage rows inserted), then each reservation in order is
     * admitted exactly when today's conditional INSERT would admit it (same comparison, same additions in the
     * same order as the trigger makes them), and the admitted rows are inserted at once. Nothing is admitted or
     * released unless the transaction commits; an error rejects the whole batch.
     */
    batch: db.dialect === 'sqlite' ? (reserves: LlmBudgetReservationsTable[], releases: BatchRelease[], now: number): Promise<BatchResult> => write(() => sqliteBatch(reserves, releases, now)) : undefined,

    /** Reservations past their expiry, or (at start) held by `holder`: a previous life of this same instance. */
    stale: (now: number, holder: string | null, limit: number) =>
      k
        .selectFrom('llm_budget_reservations')
        .selectAll()
        .where((eb) => (holder === null ? eb('expires_at', '<=', now) : eb.or([eb('expires_at', '<=', now), eb('holder', '=', holder)])))
        .orderBy('expires_at')
        .limit(limit)
        .execute(),

    /** Reservations held now (for status and tests). */
    open: (workspaceId: string) => k.selectFrom('llm_budget_reservations').selectAll().where('workspace_id', '=', workspaceId).execute(),
  };

  async function sqliteBatch(reserves: LlmBudgetReservationsTable[], releases: BatchRelease[], now: number): Promise<BatchResult> {
    const plan = await (syncPlan ?? k.connection().execute((c) => planSync(c)));
    if (plan?.raw) {
      const out = await plan.raw.run(reserves, releases, now);
      return { ...out, durable: syncWal(plan.wal) };
    }
    return k.connection().execute(async (c) => {
      if (plan) await c.executeQuery(CompiledQuery.raw('pragma synchronous = NORMAL'));
      try {
        // A reservation alone (a quiet moment) is its one conditional INSERT: no transaction to open around it.
        const out = reserves.length === 1 && releases.length === 0 ? { admitted: [await reserveOne(reserves[0]!, now, c)], released: [] } : await inTransaction(c, reserves, releases, now);
        return { ...out, durable: plan ? syncWal(plan.wal) : Promise.resolve() };
      } finally {
        if (plan) await c.executeQuery(CompiledQuery.raw(`pragma synchronous = ${plan.restore}`));
      }
    });
  }

  async function inTransaction(c: Kysely<Database>, reserves: LlmBudgetReservationsTable[], releases: BatchRelease[], now: number): Promise<Omit<BatchResult, 'durable'>> {
    {
      await c.executeQuery(CompiledQuery.raw('begin immediate'));
      try {
        const released = new Array<boolean>(releases.length).fill(false);
        if (releases.length) {
          const gone = new Set<string>();
          for (let i = 0; i < releases.length; i += ROWS_PER_STATEMENT) {
            const ids = releases.slice(i, i + ROWS_PER_STATEMENT).map((r) => r.id);
            const res = await c.executeQuery<{ id: string }>(CompiledQuery.raw(`delete from llm_budget_reservations where id in (${ids.map(() => '?').join(', ')}) returning id`, ids));
            for (const row of res.rows) gone.add(row.id);
          }
          releases.forEach((r, i) => (released[i] = gone.has(r.id)));
          const cost = new Map<string, number>();
          for (const r of releases) if (r.actual !== 0) cost.set(r.workspace_id, (cost.get(r.workspace_id) ?? 0) + r.actual);
          for (const [ws, usd] of cost) {
            await c.executeQuery(CompiledQuery.raw('update llm_budgets set day_spent = day_spent + ?, month_spent = month_spent + ?, updated_at = ? where workspace_id = ?', [usd, usd, now, ws]));
          }
          const usage = releases.flatMap((r) => (r.usage ? [r.usage] : []));
          if (usage.length) await insertRows(c, 'llm_usage', USAGE_COLUMNS, usage);
        }
        const admitted = new Array<boolean>(reserves.length).fill(false);
        if (reserves.length) {
          const wss = [...new Set(reserves.map((r) => r.workspace_id))];
          const res = await c.executeQuery<LlmBudgetsTable>(CompiledQuery.raw(`select * from llm_budgets where workspace_id in (${wss.map(() => '?').join(', ')})`, wss));
          const rows = new Map(res.rows.map((row) => [row.workspace_id, row]));
          const take: LlmBudgetReservationsTable[] = [];
          reserves.forEach((r, i) => {
            const b = rows.get(r.workspace_id);
            // A missing row or another window: not admitted here (the service rolls over and retries alone).
            if (!b || b.day_key !== r.day_key || b.month_key !== r.month_key) return;
            const a = r.amount_usd;
            const fits =
              (b.daily_limit_usd === null || b.day_spent + b.day_reserved + a <= b.daily_limit_usd) &&
              (b.monthly_limit_usd === null || b.month_spent + b.month_reserved + a <= b.monthly_limit_usd);
            if (!fits) return;
            b.day_reserved = b.day_reserved + a;
            b.month_reserved = b.month_reserved + a;
            admitted[i] = true;
            take.push(r);
          });
          // The insert trigger adds each amount to the counters, in this order: the same sums as above.
          if (take.length) await insertRows(c, 'llm_budget_reservations', RESERVATION_COLUMNS, take);
        }
        await c.executeQuery(CompiledQuery.raw('commit'));
        return { admitted, released };
      } catch (err) {
        await c.executeQuery(CompiledQuery.raw('rollback')).catch(() => undefined);
        throw err;
      }
    }
  }

  async function reserveOne(r: LlmBudgetReservationsTable, now: number, on: Kysely<Database> = k): Promise<boolean> {
    const amount = r.amount_usd;
    const fits = sql`(daily_limit_usd is null or day_spent + day_reserved + ${amount} <= daily_limit_usd)
      and (monthly_limit_usd is null or month_spent + month_reserved + ${amount} <= monthly_limit_usd)`;
    const cols = sql`(id, workspace_id, amount_usd, day_key, month_key, holder, created_at, expires_at)`;
    const vals = sql`${r.id}, ${r.workspace_id}, ${amount}, ${r.day_key}, ${r.month_key}, ${r.holder}, ${r.created_at}, ${r.expires_at}`;
    const res =
      db.dialect === 'postgres'
        ? await sql`with u as (
            update llm_budgets set day_reserved = day_reserved + ${amount}, month_reserved = month_reserved + ${amount}, updated_at = ${now}
            where workspace_id = ${r.workspace_id} and day_key = ${r.day_key} and month_key = ${r.month_key} and ${fits}
            returning workspace_id)
          insert into llm_budget_reservations ${cols} select ${vals} from u`.execute(on)
        : await sql`insert into llm_budget_reservations ${cols} select ${vals} from llm_budgets
            where workspace_id = ${r.workspace_id} and day_key = ${r.day_key} and month_key = ${r.month_key} and ${fits}`.execute(on);
    return Number(res.numAffectedRows ?? 0) === 1;
  }

  async function releaseOne(r: Pick<LlmBudgetReservationsTable, 'id' | 'workspace_id'>, actual: number, now: number, usage?: LlmUsageTable): Promise<boolean> {
    if (db.dialect === 'postgres') {
      // A data-modifying CTE runs whether or not the main statement reads it: the usage row goes with the release.
      const record = usage
        ? sql`, i as (insert into llm_usage (${sql.raw(USAGE_COLUMNS.join(', '))}) values (${sql.join(USAGE_COLUMNS.map((c) => usage[c] ?? null))}))`
        : sql``;
      const res = await sql<{ released: number }>`with d as (delete from llm_budget_reservations where id = ${r.id} returning amount_usd, day_key, month_key)${record}
        update llm_budgets set
          day_reserved = day_reserved - coalesce((select amount_usd from d where d.day_key = llm_budgets.day_key), 0),
          month_reserved = month_reserved - coalesce((select amount_usd from d where d.month_key = llm_budgets.month_key), 0),
          day_spent = day_spent + ${actual}, month_spent = month_spent + ${actual}, updated_at = ${now}
        where workspace_id = ${r.workspace_id}
        returning (select count(*) from d)::int as released`.execute(k);
      return Number(res.rows[0]?.released ?? 0) === 1;
    }
    const d = await k.deleteFrom('llm_budget_reservations').where('id', '=', r.id).executeTakeFirst();
    if (actual !== 0) {
      await k
        .updateTable('llm_budgets')
        .set({ day_spent: sql`day_spent + ${actual}`, month_spent: sql`month_spent + ${actual}`, updated_at: now })
        .where('workspace_id', '=', r.workspace_id)
        .execute();
    }
    return Number(d.numDeletedRows) === 1;
  }
}
export type BudgetsStore = ReturnType<typeof createBudgetsStore>;
