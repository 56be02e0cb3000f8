import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createJulesSimulator, type JulesSimulator } from '@autopilot/jules-sim';
import { loadConfig } from '../../packages/server/src/platform/config';
import { startOrchestrator, type Orchestrator } from '../../packages/server/src/main';

export const ADMIN_KEY = 'ap_reliability_admin_key_0123456789';
export const SIM_KEY = 'sim-reliability-key';

/** The OpenAPI operations of the running app, with parameters and example bodies. */
export interface Operation {
  method: string;
  path: string;
  params: string[];
  query: Array<{ name: string; type?: string }>;
  example?: Record<string, unknown>;
  bodyProps: Record<string, { type?: string | string[] }>;
}

export interface World {
  sim: JulesSimulator;
  simUrl: string;
  orch: Orchestrator;
  dataDir: string;
  engine: 'sqlite' | 'postgres';
  request(p: string, init?: RequestInit & { key?: string | null; json?: unknown }): Promise<Response>;
  operations(): Promise<Operation[]>;
  close(): Promise<void>;
}

/** The storage engines a world can run on: SQLite always, PostgreSQL when TEST_DATABASE_URL is set. */
export function worldEngines(): Array<'sqlite' | 'postgres'> {
  if (process.env.CI === 'true' && !process.env.TEST_DATABASE_URL) throw new Error('CI=true requires TEST_DATABASE_URL');
  return process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

/** A fresh PostgreSQL database on the TEST_DATABASE_URL server (a database, not a schema: the app sets none). */
async function freshPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.TEST_DATABASE_URL!;
  const name = `rel_${randomBytes(6).toString('hex')}`;
  const run = async (q: string) => {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    try {
      await c.query(q);
    } finally {
      await c.end();
    }
  };
  await run(`create database ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}

/**
 * A simulator on a manual clock (nothing moves unless the test says so) and an orchestrator mirroring it, with a
 * short poll interval, on SQLite or a fresh PostgreSQL database. Resolves once the first sync has mirrored the
 * simulator's sessions.
 */
export async function startWorld(opts: { sessions?: number; env?: Record<string, string>; engine?: 'sqlite' | 'postgres' } = {}): Promise<World> {
  const pgDb = opts.engine === 'postgres' ? await freshPostgres() : undefined;
  const sim = createJulesSimulator({ apiKeys: [SIM_KEY], sessions: opts.sessions ?? 30, manualClock: true, seed: 7 });
  const served = await sim.listen(0, '127.0.0.1');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-rel-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'silent',
    AUTOPILOT_ADMIN_KEY: ADMIN_KEY,
    JULES_API_KEY: SIM_KEY,
    JULES_API_BASE_URL: served.baseUrl,
    // The env account is trusted; accounts added through the API reach exactly the simulator, nothing else private.
    AUTOPILOT_OUTBOUND_ALLOW: new URL(served.baseUrl).host,
    JULES_POLL_INTERVAL_MS: '500',
    ...(pgDb ? { DATABASE_URL: pgDb.url } : {}),
    ...opts.env,
  });
  const orch = await startOrchestrator(config, { listen: false });
  const request: World['request'] = (p, init = {}) => {
    const { key = ADMIN_KEY, json, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (key) headers.set('authorization', `Bearer ${key}`);
    if (json !== undefined) headers.set('content-type', 'application/json');
    return Promise.resolve(orch.app.request(p, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) }));
  };
  // Settled: every session listed and the activity counts unchanged over three poll intervals (the clock is
  // manual, so once the first sync and its activity fetches are done nothing moves unless a test moves it).
  const want = opts.sessions ?? 30;
  let last = '';
  let stableSince = Date.now();
  for (const started = Date.now(); Date.now() - started < 30_000; ) {
    const res = await request(`/api/sessions?limit=500`);
    const items = res.ok ? ((await res.json()) as { items: Array<{ id: string; activityCount: number }> }).items : [];
    const now = JSON.stringify(items.map((x) => [x.id, x.activityCount]).sort());
    if (now !== last) [last, stableSince] = [now, Date.now()];
    else if (items.length >= want && Date.now() - stableSince >= 1_500) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    sim,
    simUrl: served.baseUrl,
    orch,
    dataDir,
    engine: opts.engine ?? 'sqlite',
    request,
    async operations() {
      const doc = (await (await request('/api/openapi.json', { key: null })).json()) as any;
      const ops: Operation[] = [];
      for (const [p, item] of Object.entries<any>(doc.paths)) {
        for (const [method, op] of Object.entries<any>(item)) {
          const params = (op.parameters ?? []) as Array<{ name: string; in: string; schema?: { type?: string } }>;
          const schema = op.requestBody?.content?.['application/json']?.schema;
          const resolved = schema?.$ref ? doc.components.schemas[schema.$ref.split('/').pop()] : schema;
          ops.push({
            method: method.toUpperCase(),
            path: p,
            params: params.filter((x) => x.in === 'path').map((x) => x.name),
            query: params.filter((x) => x.in === 'query').map((x) => ({ name: x.name, type: x.schema?.type })),
            example: resolved?.example ?? schema?.example,
            bodyProps: resolved?.properties ?? {},
          });
        }
      }
      return ops;
    },
    async close() {
      await orch.close();
      await served.close();
      await pgDb?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Fills `{param}` placeholders. */
export const fill = (p: string, value: string) => p.replace(/\{[^}]+\}/g, encodeURIComponent(value));
