import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrchestrator, type Orchestrator } from '../../server/src/main';
import { loadConfig } from '../../server/src/platform/config';
import { createClient, type ApiClient } from '../src/index';

/* The templates client group end to end against a real orchestrator over a socket. */

const OWNER_KEY = 'client-templates-owner-key-0123456789';
let orch: Orchestrator;
let dataDir: string;
let api: ApiClient;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-client-templates-'));
  orch = await startOrchestrator(loadConfig({ DATA_DIR: dataDir, PORT: '0', AUTOPILOT_ADMIN_KEY: OWNER_KEY, LOG_LEVEL: 'silent', JULES_DEMO_SESSIONS: '0' }));
  api = createClient({ baseUrl: orch.url, apiKey: OWNER_KEY });
});

afterAll(async () => {
  await orch?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('client templates group', () => {
  it('creates, pages through all, previews, updates with its version, refuses a stale one, and removes', async () => {
    const created = await api.templates.create({ name: 'greet', prompt: 'Hello {{who}}', tags: ['demo'], variables: [{ name: 'who', type: 'string', required: true }] });
    for (let i = 0; i < 3; i++) await api.templates.create({ name: `t${i}`, prompt: 'x', tags: ['demo'] });
    expect((await api.templates.all({ tag: 'demo' })).map((t) => t.name)).toEqual(['greet', 't0', 't1', 't2']);
    const page = await api.templates.list({ tag: 'demo', limit: 3 });
    expect([page.items.length, typeof page.nextCursor]).toEqual([3, 'string']);

    expect(await api.templates.preview(created.id, { values: { who: 'world' } })).toMatchObject({ prompt: 'Hello world', problems: [] });
    expect((await api.templates.preview(created.id)).problems).toEqual([{ variable: 'who', message: 'is required and has no default' }]);
    expect((await api.templates.previewDraft({ template: { name: 'd', prompt: '{{x}}' } })).problems.map((p) => p.variable)).toEqual(['x']);

    const v2 = await api.templates.update(created.id, { name: 'greet', prompt: 'Hi {{who}}', variables: created.variables, version: created.version });
    expect(v2.version).toBe(2);
    await expect(api.templates.update(created.id, { name: 'greet', prompt: 'late', version: 1 })).rejects.toMatchObject({ status: 409, code: 'conflict' });
    await expect(api.templates.create({ name: 'bad', prompt: '{{nope}}' })).rejects.toMatchObject({ status: 400, issues: [expect.objectContaining({ path: 'body.prompt' })] });
    expect(await api.templates.remove(created.id)).toBeUndefined();
    await expect(api.templates.get(created.id)).rejects.toMatchObject({ status: 404 });
  });
});
