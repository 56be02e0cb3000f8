import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Database } from './schema';
import type { Logger } from '../logger';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * Reads migrations from ./migrations. Files are named `<yyyymmddnn>_<feature>_<what>.ts` and run in name order,
 * so features add theirs without editing a shared index. Each must work on SQLite and PostgreSQL alike.
 */
const provider: MigrationProvider = {
  async getMigrations() {
    const out: Record<string, Migration> = {};
    for (const f of fs.readdirSync(dir).sort()) {
      if (!/^\d+_.+\.ts$/.test(f) || f.endsWith('.test.ts') || f.endsWith('.d.ts')) continue;
      out[f.replace(/\.ts$/, '')] = (await import(pathToFileURL(path.join(dir, f)).href)) as Migration;
    }
    return out;
  },
};

/** What migrating needs of a database handle (index.ts's `Db` has it; named here so this module needs not index.ts). */
export interface MigrationTarget {
  kysely: Kysely<Database>;
  /** PostgreSQL schema holding our tables, when not the default. */
  schema?: string;
}

/**
 * PostgreSQL errors of a catalog read racing a DROP in another schema (undefined column, schema or table): Kysely's
 * introspection lists the tables of every schema it can see before it migrates, and a schema dropped meanwhile (a
 * parallel test suite's, another app's in a shared database) makes that one read fail. Nothing was applied yet.
 */
const CATALOG_RACE = new Set(['42703', '3F000', '42P01']);

/** Applies every pending migration; safe to call concurrently from several instances (Kysely takes a lock). */
export async function migrateToLatest(db: MigrationTarget, log?: Logger): Promise<void> {
  // Kysely looks for its migration table across every schema it can see; naming ours keeps parallel test schemas
  // (and other apps' schemas in a shared database) from being mistaken for this one.
  const migrator = new Migrator({ db: db.kysely, provider, ...(db.schema ? { migrationTableSchema: db.schema } : {}) });
  let { error, results } = await migrator.migrateToLatest();
  for (let attempt = 1; attempt <= 3 && error && CATALOG_RACE.has(String((error as { code?: unknown }).code)) && !(results ?? []).some((r) => r.status !== 'NotExecuted'); attempt++) {
    log?.warn({ err: error, attempt }, 'migration check raced a concurrent schema change; trying again');
    await new Promise((r) => setTimeout(r, 100 * attempt));
    ({ error, results } = await migrator.migrateToLatest());
  }
  for (const r of results ?? []) {
    if (r.status === 'Success') log?.info({ migration: r.migrationName }, 'migration applied');
    if (r.status === 'Error') log?.error({ migration: r.migrationName }, 'migration failed');
  }
  if (error) throw error instanceof Error ? error : new Error(String(error));
}
