import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Db, type DbTarget } from './index';

/**
 * Test helpers: a throwaway database per suite. SQLite gets a temp file; PostgreSQL a fresh schema in
 * TEST_DATABASE_URL, dropped afterwards, so suites can run in parallel against one server.
 */
export interface TestDb {
  db: Db;
  target: DbTarget;
  cleanup(): Promise<void>;
}

/** The engines the storage suites run against: SQLite always, PostgreSQL when TEST_DATABASE_URL is set. */
export function testEngines(): Array<'sqlite' | 'postgres'> {
  return process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

/** With CI=true a missing TEST_DATABASE_URL is an error, not a silent skip. */
export function requirePostgresInCi(): void {
  if (process.env.CI === 'true' && !process.env.TEST_DATABASE_URL) throw new Error('CI=true requires TEST_DATABASE_URL');
}

/** A fresh, migrated database of the given engine. */
export async function createTestDb(engine: 'sqlite' | 'postgres'): Promise<TestDb> {
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-db-'));
    const target: DbTarget = { kind: 'sqlite', file: path.join(dir, 'test.db') };
    const db = await openDatabase(target);
    return { db, target, cleanup: async () => { await db.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
  }
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const target: DbTarget = { kind: 'postgres', url, schema };
  const db = await openDatabase(target);
  return {
    db,
    target,
    cleanup: async () => {
      await db.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop schema ${schema} cascade`);
      await c.end();
    },
  };
}
