import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrchestrator, type Orchestrator } from '../../server/src/main';
import { loadConfig } from '../../server/src/platform/config';
import { createClient, type ApiClient } from '../src/index';

/* The LLM-side client groups (providers, budgets, routing, llm), end to end against a real orchestrator. */

const OWNER_KEY = 'client-features-owner-key-0123456789';
let orch: Orchestrator;
let dataDir: string;
let api: ApiClient;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-client-features-'));
  orch = await startOrchestrator(loadConfig({ DATA_DIR: dataDir, PORT: '0', AUTOPILOT_ADMIN_KEY: OWNER_KEY, LOG_LEVEL: 'silent', JULES_DEMO_SESSIONS: '0' }));
  api = createClient({ baseUrl: orch.url, apiKey: OWNER_KEY });
});

afterAll(async () => {
  await orch?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('client feature groups', () => {
  it('providers: creates, reads, changes and removes one, never returning its key', async () => {
    const created = await api.providers.create({ kind: 'openai', name: 'main', apiKey: 'sk-test-abcd1234', defaultModels: { default: 'gpt-4.1-mini' } });
    expect(created).toMatchObject({ name: 'main', keyLast4: '1234', enabled: true, priority: 100 });
    expect(JSON.stringify(await api.providers.list())).not.toContain('sk-test-abcd1234');
    expect((await api.providers.get(created.id)).name).toBe('main');
    expect((await api.providers.update(created.id, { enabled: false })).enabled).toBe(false);
    expect((await api.providers.remove(created.id)).id).toBe(created.id);
    await expect(api.providers.get(created.id)).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });

  it('budgets and llm: sets a limit, reads it back, and reads usage, calls and breakers', async () => {
    expect((await api.budgets.put({ dailyLimitUsd: 7 })).dailyLimitUsd).toBe(7);
    expect((await api.budgets.get()).dailyLimitUsd).toBe(7);
    const usage = await api.llm.usage({ groupBy: ['provider', 'model'] });
    expect(usage.groupBy).toEqual(['provider', 'model']); // sent as one comma-separated query value
    expect(usage.rows).toEqual([]);
    expect((await api.llm.calls({ limit: 5 })).items).toEqual([]);
    expect(Array.isArray((await api.llm.breakers()).items)).toBe(true);
  });

  it('routing: appends, simulates, replaces and removes rules; a 204 answers undefined', async () => {
    const rule = await api.routing.append({ name: 'reviews', match: { tasks: ['review'] }, targets: [{ provider: 'nobody' }] });
    expect(rule).toMatchObject({ name: 'reviews', enabled: true, fallbackToDefaults: true }); // the server's defaults
    const sim = await api.routing.simulate({ task: 'review' });
    expect(sim.matched?.id).toBe(rule.id);
    expect((await api.routing.simulate({ task: 'summarize' })).matched).toBeNull();

    const replaced = await api.routing.replace([
      { name: 'first', targets: [{ provider: 'a' }] },
      { name: 'second', targets: [{ provider: 'b' }] },
    ]);
    expect(replaced.items.map((r) => r.name)).toEqual(['first', 'second']);
    expect(await api.routing.remove(replaced.items[0].id)).toBeUndefined();
    expect((await api.routing.list()).items.map((r) => r.name)).toEqual(['second']);

    const member = createClient({ baseUrl: orch.url, apiKey: (await api.keys.create({ name: 'member', role: 'member' })).key });
    await expect(member.routing.append({ name: 'x', targets: [{ provider: 'a' }] })).rejects.toMatchObject({ status: 403, message: 'Only admins and owners change routing policies' });
    expect((await member.routing.list()).items).toHaveLength(1);
  });
});
