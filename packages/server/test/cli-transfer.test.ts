import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox, loadOrCreateMasterKey } from '../src/platform/crypto';
import { ADMIN_KEY, startTestOrchestrator, type TestOrchestrator } from './harness';
import { cli, tmp } from './cli-support';
import { engineEnv, orchestratorEngines } from './orchestrator-engines';

/*
 * `autopilot export` and `autopilot import` end to end, the other way round from transfer-sqlite-to-pg.test.ts:
 * from PostgreSQL (when TEST_DATABASE_URL is set) into SQLite, through the command line, sealed with a passphrase
 * file: bigint times, doubles and integer flags come back the same, the provider's key opens on the target.
 */
const source = orchestratorEngines().includes('postgres') ? 'postgres' : 'sqlite';
const ENV = { JULES_DEMO_SESSIONS: '0', JULES_DEMO_NEW_SESSION_MS: '0' };
const KEY = 'sk-cli-transfer-0123456789abcdef';

describe(`autopilot export (${source}) | autopilot import (sqlite)`, () => {
  let src: TestOrchestrator;
  let dst: TestOrchestrator;
  let cleanup: () => Promise<void>;
  let dir: string;
  const env = (t: TestOrchestrator) => ({ AUTOPILOT_URL: t.orch.url, AUTOPILOT_KEY: ADMIN_KEY, AUTOPILOT_CONFIG: path.join(dir, 'none.json') });

  beforeAll(async () => {
    dir = tmp('autopilot-cli-transfer-');
    const e = await engineEnv(source);
    cleanup = e.cleanup;
    src = await startTestOrchestrator({ ...ENV, ...e.env }, { listen: true });
    dst = await startTestOrchestrator(ENV, { listen: true });
    const post = (p: string, json: unknown, method = 'POST') => src.request(p, { method, json }).then((r) => expect(r.status, p).toBeLessThan(300));
    const tpl = (await (await src.request('/api/templates', { method: 'POST', json: { name: 'Nightly', prompt: 'Tidy up', tags: ['ops'] } })).json()) as { id: string };
    await post('/api/schedules', { name: 'Every hour', intervalSeconds: 3600, timezone: 'UTC', enabled: true, missedRunPolicy: 'skip', target: { kind: 'template', templateId: tpl.id } });
    await post('/api/providers', { kind: 'openai', name: 'gpt', apiKey: KEY, priority: 3, enabled: true, maxConcurrency: 2, defaultModels: { default: 'gpt-4.1-mini' } });
    await post('/api/budgets', { dailyLimitUsd: 2.5, monthlyLimitUsd: 40.25, onExhausted: 'error' }, 'PUT');
  }, 120_000);
  afterAll(async () => {
    await src?.close();
    await dst?.close();
    await cleanup?.();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('exports to a file with a progress line on stderr, then imports it (dry run first, twice idempotent)', { timeout: 90_000 }, async () => {
    const pass = path.join(dir, 'pass.txt');
    fs.writeFileSync(pass, 'a long passphrase\n');
    const file = path.join(dir, 'ws.ndjson');
    const exp = await cli(['export', '--passphrase-file', pass, '-o', file], { env: env(src) });
    expect(exp.code, exp.stderr).toBe(0);
    expect(exp.stderr).toMatch(/exported \d+ rows of \d+ tables, secrets sealed/);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain(KEY);
    expect(JSON.parse(text.split('\n')[0])).toMatchObject({ format: 'autopilot-export', secrets: 'sealed' });

    const dry = await cli(['import', file, '--dry-run', '--passphrase-file', pass, '--json'], { env: env(dst) });
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, tables: { templates: { inserted: 1 } } });
    expect(((await (await dst.request('/api/templates')).json()) as { items: unknown[] }).items).toHaveLength(0);

    const imp = await cli(['import', file, '--passphrase-file', pass], { env: env(dst) });
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stdout).toMatch(/schedules\s+1\s+0\s+0/);
    const again = await cli(['import', file, '--passphrase-file', pass, '--json'], { env: env(dst) });
    const counts = JSON.parse(again.stdout) as { tables: Record<string, { inserted: number; updated: number }> };
    for (const [t, c] of Object.entries(counts.tables)) expect([t, c.inserted, c.updated]).toEqual([t, 0, 0]);

    // The same values on the other engine, read through both APIs.
    const read = async (t: TestOrchestrator) => {
      const j = async (p: string) => (await (await t.request(p)).json()) as any;
      const s = (await j('/api/schedules')).items[0];
      const b = await j('/api/budgets');
      return { schedule: [s.name, s.intervalSeconds, s.enabled, s.nextRunAt ?? s.nextFireAt], budget: [b.dailyLimitUsd ?? b.policy?.dailyLimitUsd, b.monthlyLimitUsd ?? b.policy?.monthlyLimitUsd], template: (await j('/api/templates')).items[0].tags };
    };
    const [a, b] = [await read(src), await read(dst)];
    expect(a.schedule.slice(0, 3)).toEqual(['Every hour', 3600, true]);
    expect(a.schedule[3]).toBeTruthy();
    expect(a.budget).toEqual([2.5, 40.25]);
    expect(b).toEqual(a);
    const row = await dst.orch.db.kysely.selectFrom('llm_providers').selectAll().where('name', '=', 'gpt').executeTakeFirstOrThrow();
    expect(createSecretBox(loadOrCreateMasterKey(undefined, dst.dataDir).key).decrypt(row.api_key_sealed)).toBe(KEY);
  });

  it('a wrong passphrase exits 1 naming it, and writes nothing', { timeout: 60_000 }, async () => {
    const file = path.join(dir, 'ws.ndjson');
    const wrong = path.join(dir, 'wrong.txt');
    fs.writeFileSync(wrong, 'not the passphrase');
    const fresh = await dst.newWorkspace('CLI fresh');
    const r = await cli(['import', file, '--passphrase-file', wrong], { env: { ...env(dst), AUTOPILOT_KEY: fresh.key } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('header.x-autopilot-passphrase: wrong passphrase');
    expect(((await (await dst.request('/api/templates', { key: fresh.key })).json()) as { items: unknown[] }).items).toHaveLength(0);
  });
});
