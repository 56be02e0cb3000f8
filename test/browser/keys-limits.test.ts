import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ApiClient } from '../../packages/client/src/index';
import { ARTIFACTS, eventually, loginByApi, openPage, shotsAt, startStack, type Stack } from './harness';

/*
 * Issue #16 in chromium: a scoped API key with limits made in the Keys tab, its usage after calls with it, a call
 * beyond its scopes refused with the missing scope named; screenshots at 1440 and 390 px, light and dark. (The audit
 * part of this story waits in keys-audit.pending.ts for the audit API.)
 */

let stack: Stack;
let ws: { id: string; key: string };
let owner: ApiClient;
const SHOTS = path.join(ARTIFACTS, 'keys-limits');

beforeAll(async () => {
  stack = await startStack({ JULES_DEMO_SESSIONS: '0' });
  const root = createClient({ baseUrl: stack.orch.url, apiKey: stack.key });
  const created = await root.workspaces.create({ name: 'keys-audit' });
  ws = { id: created.workspace.id, key: created.ownerKey?.key ?? '' };
  owner = createClient({ baseUrl: stack.orch.url, apiKey: ws.key });
  fs.mkdirSync(SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe('keys with scopes and limits in chromium', () => {
  let secret = '';

  it('creates a key with scopes and limits; its usage shows after calls with it; a call beyond its scopes is refused', async () => {
    const p = await openPage(stack, { viewport: { width: 1440, height: 900 } });
    const { page } = p;
    await loginByApi(p, stack.orch.url, ws.key, '/settings/keys');
    const form = page.getByTestId('create-key');
    await form.getByLabel('Name').fill('reader-bot');
    await form.getByLabel('Role', { exact: true }).selectOption('member');
    const scopes = form.getByTestId('new-key-scopes');
    await scopes.getByLabel('Everything its role allows').uncheck();
    await scopes.getByLabel('sessions read').check();
    await scopes.getByLabel('templates read').check();
    await form.getByLabel('Requests per day').fill('40');
    await form.getByLabel('LLM $ per month').fill('2.5');
    await form.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByTestId('key-secret-dialog');
    secret = (await dialog.getByTestId('key-secret').textContent())!.trim();
    expect(secret).toMatch(/^ap_/);
    await dialog.getByRole('button', { name: 'I have stored it' }).click();

    const listed = (await owner.keys.list()).items.find((k) => k.name === 'reader-bot')! as { scopes?: string[] | null; limits?: unknown };
    expect([...(listed.scopes ?? [])].sort()).toEqual(['sessions:read', 'templates:read']);
    expect(listed.limits).toMatchObject({ requestsPerDay: 40, llmUsdPerMonth: 2.5 });

    // Calls with the key: reads in scope pass, a write and a resource outside its scopes are refused with 403.
    const call = (pathname: string, init: RequestInit = {}) => fetch(stack.orch.url + pathname, { ...init, headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json', ...init.headers } });
    for (let i = 0; i < 5; i++) expect((await call('/api/sessions')).status).toBe(200);
    expect((await call('/api/templates')).status).toBe(200);
    const refused = await call('/api/keeper/settings');
    expect(refused.status).toBe(403);
    expect(JSON.stringify(await refused.json())).toContain('keeper:read');
    const write = await call('/api/templates', { method: 'POST', body: JSON.stringify({ name: 'nope', prompt: 'x' }) });
    expect(write.status).toBe(403);

    const item = page.locator('[data-key-name="reader-bot"]');
    await eventually(async () => {
      await page.reload();
      await item.waitFor();
      const bar = item.getByTestId('usage-requests');
      return (await bar.count()) > 0 && Number(await bar.getAttribute('data-used')) >= 6;
    }, 'the requests-today bar to count the calls made with the key');
    expect(await item.getByTestId('usage-requests').getAttribute('data-limit')).toBe('40');
    expect(await item.getByTestId('usage-llm').getAttribute('data-limit')).toBe('2.5');
    expect(await item.textContent()).toContain('sessions (read)');
    expect(p.errors).toEqual([]);
    await p.context.close();
    await shotsAt(stack, ws.key, 'keys-limits/keys', '/settings/keys', (q) => q.page.locator('[data-key-name="reader-bot"]').getByTestId('usage-requests').waitFor());
  });
});
