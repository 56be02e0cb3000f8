import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pg from 'pg';
import { createLogger, type Logger } from '../src/platform/logger';
import { loadConfig } from '../src/platform/config';
import { startOrchestrator } from '../src/main';
import { ADMIN_KEY, type TestOrchestrator } from './harness';

/*
 * For the auth suites: a persistent store per engine (SQLite in a kept DATA_DIR, PostgreSQL in a fresh database)
 * so an orchestrator can be stopped and started again on the same data, and a logger whose lines the test reads.
 */

const pgUrl = process.env.TEST_DATABASE_URL;
if (process.env.CI === 'true' && !pgUrl) throw new Error('CI=true requires TEST_DATABASE_URL');

export const authEngines = (): Array<'sqlite' | 'postgres'> => (pgUrl ? ['sqlite', 'postgres'] : ['sqlite']);

export interface Store {
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** A store for one suite: the env that points an orchestrator at it (same master key every start). */
export async function createStore(engine: 'sqlite' | 'postgres'): Promise<Store> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-auth-'));
  const base = { DATA_DIR: dataDir, AUTOPILOT_MASTER_KEY: 'a1'.repeat(32) };
  if (engine === 'sqlite') return { env: base, cleanup: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  const name = `autopilot_auth_${randomBytes(5).toString('hex')}`;
  const admin = async (q: string) => {
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    await c.query(q);
    await c.end();
  };
  await admin(`create database ${name}`);
  const url = new URL(pgUrl!);
  url.pathname = `/${name}`;
  return {
    env: { ...base, DATABASE_URL: url.toString() },
    cleanup: async () => {
      await admin(`drop database if exists ${name} with (force)`);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A logger that keeps every JSON line it writes. */
export function capturedLogger(): { log: Logger; lines: string[]; text(): string } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { log: createLogger({ level: 'info', destination: sink }), lines, text: () => lines.join('\n') };
}

/** Starts an orchestrator (no socket) on `env`, with an optional logger; request() like the harness's. */
export async function startOn(env: Record<string, string>, log?: Logger, dashboardDir?: string): Promise<TestOrchestrator> {
  const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', AUTOPILOT_ADMIN_KEY: ADMIN_KEY, JULES_API_BASE_URL: 'http://127.0.0.1:9/v1alpha', ...env });
  const orch = await startOrchestrator(config, { listen: false, ...(log ? { log } : {}), ...(dashboardDir ? { dashboardDir } : {}) });
  const request: TestOrchestrator['request'] = (pathname, init = {}) => {
    const { key = ADMIN_KEY, json, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (key) headers.set('authorization', `Bearer ${key}`);
    if (json !== undefined) headers.set('content-type', 'application/json');
    return Promise.resolve(orch.app.request(pathname, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) }));
  };
  return {
    orch,
    dataDir: config.dataDir,
    request,
    async newWorkspace(name) {
      const res = await request('/api/workspaces', { method: 'POST', json: { name } });
      const body = (await res.json()) as { workspace: { id: string }; ownerKey: { key: string } };
      return { id: body.workspace.id, key: body.ownerKey.key };
    },
    close: () => orch.close(),
  };
}
