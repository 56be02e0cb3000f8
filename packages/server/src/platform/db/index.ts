import { Kysely, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from './schema';
import { migrateToLatest } from './migrate';
import type { Logger } from '../logger';

export type { Database } from './schema';
export type Dialect = 'sqlite' | 'postgres';

/** The database handle every store receives. Dialect differences live in this folder only. */
export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /** PostgreSQL schema holding our tables (and Kysely's migration tables); undefined on SQLite. */
  schema?: string;
  /**
   * A transaction for data that can be fetched again (the Jules mirror): its commit does not wait for the disk.
   * SQLite runs it at synchronous=NORMAL (WAL stays consistent; a power loss may drop this commit, never corrupt),
   * PostgreSQL with `synchronous_commit = off`. Every other transaction keeps the configured durability.
   */
  relaxedTransaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  /** Round-trip latency of a trivial query, for health checks. */
  ping(): Promise<number>;
  close(): Promise<void>;
}

export type DbTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema?: string };

/** Opens the database (SQLite file in WAL mode, synchronous FULL, or a PostgreSQL pool) and applies pending migrations. */
export async function openDatabase(target: DbTarget, log?: Logger, opts: { migrate?: boolean; slowQueryMs?: number; synchronous?: 'NORMAL' | 'FULL' } = {}): Promise<Db> {
  let kysely: Kysely<Database>;
  const synchronous = opts.synchronous ?? 'FULL';
  const slowMs = opts.slowQueryMs ?? 250;
  // Slow statements are logged with their SQL but never their parameters (those may hold user text or secrets).
  const kyselyLog = log
    ? (e: { level: 'query' | 'error'; queryDurationMillis: number; query: { sql: string } }) => {
        if (e.queryDurationMillis >= slowMs) log.warn({ ms: Math.round(e.queryDurationMillis), sql: e.query.sql.slice(0, 500) }, 'slow database query');
      }
    : undefined;
  if (target.kind === 'sqlite') {
    const { default: SQLite } = await import('better-sqlite3');
    if (target.file !== ':memory:') fs.mkdirSync(path.dirname(target.file), { recursive: true });
    const conn = new SQLite(target.file);
    conn.pragma('journal_mode = WAL');
    conn.pragma('busy_timeout = 5000');
    // FULL: every commit (a budget reservation, a ledger intent) is on disk before the call it guards goes out,
    // also across a power loss; NORMAL in WAL mode may lose the last commits then. The cost is measured in
    // bench/sqlite-sync and justified in docs/RELIABILITY.md. One connection per process, so it covers the whole DB.
    conn.pragma(`synchronous = ${synchronous}`);
    conn.pragma('foreign_keys = ON');
    kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: conn }), log: kyselyLog });
  } else {
    const pg = await import('pg');
    // int8 (bigint) columns hold epoch milliseconds: well inside Number's safe range, so parse them as numbers.
    pg.default.types.setTypeParser(20, (v: string) => Number(v));
    const pool = new pg.default.Pool({
      connectionString: target.url,
      max: 10,
      ...(target.schema ? { options: `-c search_path=${target.schema}` } : {}),
    });
    // An idle connection that the server ends (a PostgreSQL restart, failover, pg_terminate_backend) is emitted
    // on the pool; without a listener Node treats it as an uncaught error and the whole process dies. The pool
    // drops that client and opens a new one for the next query, so logging is all there is to do.
    pool.on('error', (err: Error & { code?: string }) => log?.warn({ code: err.code, message: err.message }, 'an idle PostgreSQL connection was closed by the server'));
    kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: kyselyLog });
  }
  const db: Db = {
    kysely,
    dialect: target.kind,
    schema: target.kind === 'postgres' ? (target.schema ?? 'public') : undefined,
    relaxedTransaction: (fn) =>
      target.kind === 'postgres'
        ? kysely.transaction().execute(async (trx) => {
            await sql`set local synchronous_commit = off`.execute(trx);
            return fn(trx);
          })
        : // One SQLite connection: holding it keeps every other statement out while the pragma is relaxed.
          kysely.connection().execute(async (c) => {
            await sql.raw('pragma synchronous = NORMAL').execute(c);
            try {
              return await c.transaction().execute(fn);
            } finally {
              await sql.raw(`pragma synchronous = ${synchronous}`).execute(c);
            }
          }),
    async ping() {
      const t = performance.now();
      await sql`select 1`.execute(kysely);
      return performance.now() - t;
    },
    close: () => kysely.destroy(),
  };
  if (opts.migrate !== false) await migrateToLatest(db, log);
  return db;
}

/** True when an error is a unique-constraint violation on either engine. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** SQLite integrity check (PostgreSQL always answers ok: it has no equivalent, and its WAL protects pages). */
export async function integrityCheck(db: Db): Promise<string> {
  if (db.dialect !== 'sqlite') return 'ok';
  const r = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(db.kysely);
  return r.rows.map((x) => x.integrity_check).join('; ');
}
