import { randomBytes } from 'node:crypto';
import pg from 'pg';

/*
 * For suites that run a whole orchestrator on each storage engine: SQLite (the harness's temp DATA_DIR) always,
 * PostgreSQL in a fresh database of TEST_DATABASE_URL when it is set (mandatory with CI=true).
 */
const pgUrl = process.env.TEST_DATABASE_URL;
if (process.env.CI === 'true' && !pgUrl) throw new Error('CI=true requires TEST_DATABASE_URL');

/** The engines to run on. */
export const orchestratorEngines = (): Array<'sqlite' | 'postgres'> => (pgUrl ? ['sqlite', 'postgres'] : ['sqlite']);

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** The extra env that points an orchestrator at the engine, and how to drop it afterwards. */
export async function engineEnv(engine: 'sqlite' | 'postgres'): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }> {
  if (engine === 'sqlite') return { env: {}, cleanup: async () => {} };
  const name = `autopilot_t_${randomBytes(5).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(pgUrl!);
  url.pathname = `/${name}`;
  return { env: { DATABASE_URL: url.toString() }, cleanup: () => admin(`drop database if exists ${name} with (force)`) };
}
