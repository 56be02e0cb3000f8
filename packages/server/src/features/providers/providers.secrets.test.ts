import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { ProviderInfo, ProviderList, ProviderTestResult } from '@autopilot/contracts';
import { loadConfig } from '../../platform/config';
import { createLogger } from '../../platform/logger';
import { startOrchestrator, type Orchestrator } from '../../main';
import { startFakeUpstream, type FakeUpstream } from '../../../test/fakes/llm-upstream';

const ADMIN = 'ap_llm_secrets_admin_key_0123456789';
const ENV_KEY = 'sk-env-openai-SECRET-a1b2c3-1111';
const ANTHROPIC_KEY = 'sk-ant-api03-SECRET-d4e5f6-2222';
const WRONG_KEY = 'sk-ant-WRONG-SECRET-g7h8i9-3333';
const ROTATED_ENV_KEY = 'sk-env-openai-ROTATED-j0k1-4444';
const KEYS = [ENV_KEY, ANTHROPIC_KEY, WRONG_KEY, ROTATED_ENV_KEY];

/**
 * Provider keys never leave in plaintext: not in logs (pino captured at trace level), not in any API response,
 * not in the SQLite files. The fake upstream echoes a rejected key in its error message, as some vendors do.
 */
describe('provider API keys stay secret', () => {
  let up: FakeUpstream;
  let orch: Orchestrator;
  let dataDir: string;
  let logText = '';
  const bodies: string[] = [];

  async function start(openaiKey: string) {
    const sink = new PassThrough();
    sink.on('data', (c: Buffer) => (logText += c.toString('utf8')));
    const config = loadConfig({
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'trace',
      AUTOPILOT_ADMIN_KEY: ADMIN,
      OPENAI_API_KEY: openaiKey,
      OPENAI_BASE_URL: `${up.url}/v1`,
      // OPENAI_BASE_URL is the operator's (trusted); providers added through the API reach exactly the fake upstream.
      AUTOPILOT_OUTBOUND_ALLOW: new URL(up.url).host,
      LLM_RETRIES: '0',
    });
    orch = await startOrchestrator(config, { listen: false, log: createLogger({ level: 'trace', destination: sink }) });
  }

  async function call(pathname: string, init: { method?: string; json?: unknown } = {}) {
    const headers = new Headers({ authorization: `Bearer ${ADMIN}` });
    if (init.json !== undefined) headers.set('content-type', 'application/json');
    const res = await orch.app.request(pathname, { method: init.method ?? 'GET', headers, ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}) });
    const text = await res.text();
    bodies.push(text);
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  beforeAll(async () => {
    up = await startFakeUpstream();
    up.script((c) => {
      const valid = [ENV_KEY, ANTHROPIC_KEY, ROTATED_ENV_KEY];
      if (!c.apiKey || !valid.includes(c.apiKey)) return { status: 401, message: `Incorrect API key provided: ${c.apiKey}` };
      return { text: 'OK', inputTokens: 12, outputTokens: 1 };
    });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-llm-secrets-'));
    await start(ENV_KEY);
  });
  afterAll(async () => {
    await orch?.close();
    await up?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('seeds the environment provider into the default workspace, showing only the last four characters', async () => {
    const list = ProviderList.parse((await call('/api/providers')).body);
    expect(list.items).toEqual([expect.objectContaining({ kind: 'openai', name: 'openai', source: 'env', keyLast4: '1111', baseUrl: `${up.url}/v1`, enabled: true })]);
  });

  it('creates, tests, rotates and reports providers without returning keys', async () => {
    const created = await call('/api/providers', {
      method: 'POST',
      json: { kind: 'anthropic', name: 'claude', apiKey: ANTHROPIC_KEY, baseUrl: `${up.url}/v1`, priority: 1, defaultModels: { default: 'claude-haiku-4-5' } },
    });
    expect(created.status).toBe(201);
    const info = ProviderInfo.parse(created.body);
    expect(info).toMatchObject({ keyLast4: '2222', maxConcurrency: 8, enabled: true, source: 'api' });
    expect(created.body).not.toHaveProperty('apiKey');

    const ok = ProviderTestResult.parse((await call(`/api/providers/${info.id}/test`, { method: 'POST' })).body);
    expect(ok).toMatchObject({ ok: true, model: 'claude-haiku-4-5', text: 'OK', inputTokens: 12, outputTokens: 1 });
    expect(ok.costUsd).toBeCloseTo((12 * 1 + 1 * 5) / 1_000_000, 12);

    const rotated = await call(`/api/providers/${info.id}`, { method: 'PATCH', json: { apiKey: WRONG_KEY } });
    expect(rotated.body.keyLast4).toBe('3333');
    const bad = ProviderTestResult.parse((await call(`/api/providers/${info.id}/test`, { method: 'POST', json: {} })).body);
    expect(bad).toMatchObject({ ok: false, error: { code: 'auth' } });
    expect(bad.error?.message).toContain('[redacted]');

    // Through the gateway: the claude provider (priority 1) is refused, the call falls back to the seeded openai.
    const workspaceId = (await call('/api/me')).body.workspace.id as string;
    const r = await orch.llm.generateText({ workspaceId, task: 'summarize', prompt: 'hello' });
    expect(r.provider.name).toBe('openai');
    expect(r.attempts[0]).toMatchObject({ provider: 'claude', outcome: 'error', code: 'auth' });
    expect(JSON.stringify(r.attempts)).not.toContain(WRONG_KEY);
    expect(up.calls.some((c) => c.apiKey === WRONG_KEY)).toBe(true);
  });

  it('rejects bad provider input with the field named, never a 500', async () => {
    const unknown = await call('/api/providers', { method: 'POST', json: { kind: 'openai', name: 'x', apiKey: 'k', defaultModels: { default: 'm' }, surprise: 1 } });
    expect(unknown.status).toBe(400);
    const compat = await call('/api/providers', { method: 'POST', json: { kind: 'openai-compatible', name: 'local', apiKey: 'k', defaultModels: { default: 'm' } } });
    expect(compat.status).toBe(400);
    expect(compat.body.error.details.issues[0].path).toBe('body.baseUrl');
    const dup = await call('/api/providers', { method: 'POST', json: { kind: 'openai', name: 'openai', apiKey: 'k', defaultModels: { default: 'm' } } });
    expect(dup.status).toBe(409);
    expect((await call('/api/providers/nope', { method: 'PATCH', json: { enabled: false } })).status).toBe(404);
  });

  it('re-seeding at restart is idempotent and picks up a rotated environment key', async () => {
    await orch.close();
    await start(ENV_KEY);
    let list = ProviderList.parse((await call('/api/providers')).body);
    expect(list.items.filter((p) => p.kind === 'openai')).toHaveLength(1);
    await orch.close();
    await start(ROTATED_ENV_KEY);
    list = ProviderList.parse((await call('/api/providers')).body);
    expect(list.items.filter((p) => p.kind === 'openai').map((p) => p.keyLast4)).toEqual(['4444']);
    const workspaceId = (await call('/api/me')).body.workspace.id as string;
    const from = up.calls.length;
    const r = await orch.llm.generateText({ workspaceId, task: 'summarize', prompt: 'after rotation' });
    expect(r.provider.name).toBe('openai');
    // The keeper's own LLM calls run in the background too: look at every call since, not just the last one.
    const since = up.calls.slice(from).map((c) => c.apiKey);
    expect(since).toContain(ROTATED_ENV_KEY);
    expect(since).not.toContain(ENV_KEY);
  });

  it('no key appears in the logs, in any API body, or in the database files', async () => {
    expect(logText.length).toBeGreaterThan(1000);
    expect(logText).toContain('LLM attempt failed');
    expect(bodies.length).toBeGreaterThan(8);
    await orch.close();
    const files = fs.readdirSync(dataDir).filter((f) => f.startsWith('autopilot.db'));
    expect(files).toContain('autopilot.db');
    const dbBytes = Buffer.concat(files.map((f) => fs.readFileSync(path.join(dataDir, f))));
    const allBodies = bodies.join('\n');
    for (const key of KEYS) {
      expect(logText.includes(key), `log contains ${key.slice(-4)}`).toBe(false);
      expect(allBodies.includes(key), `API body contains ${key.slice(-4)}`).toBe(false);
      expect(dbBytes.includes(Buffer.from(key)), `database contains ${key.slice(-4)}`).toBe(false);
    }
  });
});
